/* BUG: memcpy reads 64 bytes from a 32-byte malloc block (source over-read by 32). EXPECT: heap-buffer-overflow (read of 64 bytes from a 32-byte block, memcpy) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char dst[64];
    volatile size_t len = sizeof dst;
    char *src = malloc(32);
    memset(src, 'y', 32);
    memcpy(dst, src, len);
    volatile char sink = dst[63];
    (void)sink;
    free(src);
    return 0;
}
