/* BUG: writes one byte past aligned_alloc(64, 64). EXPECT: heap-buffer-overflow (1-byte write just after a 64-byte aligned block) */
#include <stdlib.h>

int main(void)
{
    char *p = aligned_alloc(64, 64);
    volatile int i = 64;
    p[i] = 1;
    free(p);
    return 0;
}
