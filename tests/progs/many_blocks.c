/* A million live small blocks at once, then all freed: under guard=all
 * with a mapping per guarded block this outgrows the kernel's mapping
 * limit, which ward must survive. With an argument, reads just past the
 * end of the last block (rounded up to malloc's 16-byte alignment, where
 * a guarded block meets its guard page). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000000

int main(int argc, char **argv)
{
    (void)argv;
    char **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = malloc(16 + i % 48);
        memset(v[i], i & 0xff, 16);
    }
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += v[i][i % 16];
    if (argc > 1) {
        size_t size = 16 + (N - 1) % 48;
        sum += ((volatile char *)v[N - 1])[(size + 15) & ~(size_t)15];
    }
    for (int i = 0; i < N; i++)
        free(v[i]);
    free(v);
    printf("%ld\n", sum);
    return 0;
}
