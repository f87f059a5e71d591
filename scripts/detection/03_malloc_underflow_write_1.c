/* BUG: writes the byte just before a malloc(32) block (p[-1]). EXPECT: heap-buffer-underflow (1-byte write 1 byte before a 32-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(32);
    volatile int i = -1;
    p[i] = 0;
    free(p);
    return 0;
}
