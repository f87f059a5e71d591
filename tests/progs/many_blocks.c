/* A million live small blocks at once, then all freed: under guard=all
 * this outgrows the kernel's mapping limit, which ward must survive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1000000

int main(void)
{
    char **v = malloc(N * sizeof *v);
    for (int i = 0; i < N; i++) {
        v[i] = malloc(16 + i % 48);
        memset(v[i], i & 0xff, 16);
    }
    long sum = 0;
    for (int i = 0; i < N; i++)
        sum += v[i][i % 16];
    for (int i = 0; i < N; i++)
        free(v[i]);
    free(v);
    printf("%ld\n", sum);
    return 0;
}
