/* BUG: realloc shrinks a 64-byte block to 16 bytes but the code still fills 64. EXPECT: heap-buffer-overflow (48-byte write past a 16-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    volatile size_t old = 64;
    char *p = malloc(old);
    p = realloc(p, 16);
    memset(p, 0, old);
    free(p);
    return 0;
}
