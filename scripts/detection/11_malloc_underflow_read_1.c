/* BUG: reads the byte just before a malloc(16) block (p[-1]). EXPECT: heap-buffer-underflow (1-byte read 1 byte before a 16-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(16);
    memset(p, 0, 16);
    volatile int i = -1;
    volatile char c = p[i];
    (void)c;
    free(p);
    return 0;
}
