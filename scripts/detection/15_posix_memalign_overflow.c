/* BUG: a loop writes 8 bytes past a 40-byte posix_memalign(32) block. EXPECT: heap-buffer-overflow (8-byte write past a 40-byte aligned block) */
#include <stdlib.h>

int main(void)
{
    char *p;
    if (posix_memalign((void **)&p, 32, 40) != 0)
        return 1;
    for (int i = 0; i < 48; i++)
        p[i] = 'q';
    free(p);
    return 0;
}
