/* BUG: writes the first byte of malloc(0). EXPECT: heap-buffer-overflow (1-byte write into a 0-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(0);
    if (p)
        p[0] = 'x';
    free(p);
    return 0;
}
