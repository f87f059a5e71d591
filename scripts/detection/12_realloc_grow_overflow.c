/* BUG: after realloc grows a block to 20 bytes, a loop writes 24 (old stride). EXPECT: heap-buffer-overflow (4-byte write past a 20-byte realloc'd block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(10);
    p = realloc(p, 20);
    for (int i = 0; i < 24; i++)
        p[i] = 'z';
    free(p);
    return 0;
}
