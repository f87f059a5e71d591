/* BUG: frees a pointer 8 bytes into a malloc(32) block, then the real start. EXPECT: invalid-free (free of an address 8 bytes inside a 32-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(32);
    free(p + 8);
    free(p);
    return 0;
}
