/* BUG: writes 200 bytes past the end of malloc(16), jumping over any redzone. EXPECT: heap-buffer-overflow (1-byte write 200 bytes after a 16-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(16);
    volatile int i = 16 + 200;
    p[i] = 'F';
    free(p);
    return 0;
}
