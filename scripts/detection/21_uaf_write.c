/* BUG: writes the first bytes of a malloc(32) block after freeing it. EXPECT: use-after-free (8-byte write at offset 0 of a freed 32-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    long *p = malloc(32);
    memset(p, 0, 32);
    free(p);
    p[0] = 42;
    return 0;
}
