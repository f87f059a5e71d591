/* BUG: memalign(48, 40) (alignment not a power of two), then a loop writes 1 byte past the 40 bytes. EXPECT: heap-buffer-overflow (1-byte write after a 40-byte memalign block) */
#include <malloc.h>
#include <stdlib.h>

int main(void)
{
    char *p = memalign(48, 40);
    if (!p)
        return 0;
    for (int i = 0; i <= 40; i++)
        p[i] = 'm';
    free(p);
    return 0;
}
