/* BUG: writes at offset 400 of a 512-byte block after freeing it. EXPECT: use-after-free (4-byte write at offset 400 of a freed 512-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    int *p = malloc(512);
    memset(p, 0, 512);
    free(p);
    p[100] = 7;
    return 0;
}
