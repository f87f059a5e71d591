/* BUG: a loop walking backwards writes 8 bytes before the start of malloc(24) (i from 23 down to -8). EXPECT: heap-buffer-underflow (8-byte write before a 24-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(24);
    for (int i = 23; i >= -8; i--)
        p[i] = (char)i;
    free(p);
    return 0;
}
