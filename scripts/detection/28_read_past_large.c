/* BUG: a loop reads one element past a 100000-byte block (i <= n). EXPECT: heap-buffer-overflow (1-byte read just after a 100000-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t n = 100000;
    unsigned char *p = malloc(n);
    memset(p, 1, n);
    unsigned sum = 0;
    for (size_t i = 0; i <= n; i++)
        sum += p[i];
    volatile unsigned sink = sum;
    (void)sink;
    free(p);
    return 0;
}
