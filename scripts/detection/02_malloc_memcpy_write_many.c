/* BUG: memcpy copies 40 bytes into malloc(16) (24 bytes too many). EXPECT: heap-buffer-overflow (write of 40 bytes into a 16-byte block, memcpy) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char src[40];
    volatile size_t len = sizeof src;
    memset(src, 'x', sizeof src);
    char *p = malloc(16);
    memcpy(p, src, len);
    free(p);
    return 0;
}
