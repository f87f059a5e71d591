/* BUG: loop writes one byte past the end of malloc(10) (i <= n). EXPECT: heap-buffer-overflow (1-byte write just after a 10-byte block) */
#include <stdlib.h>

int main(void)
{
    size_t n = 10;
    char *p = malloc(n);
    for (size_t i = 0; i <= n; i++)
        p[i] = 'a';
    free(p);
    return 0;
}
