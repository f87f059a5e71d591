/* Inlined functions in a chain, built with optimization: a report names
 * each, with the line of the call it made, as addr2line -i does. */
#include <stdlib.h>
#include <string.h>

void *sink;

__attribute__((noinline)) void *leaf(size_t n) { void *p = malloc(n); memset(p, 1, n); return p; }
static inline __attribute__((always_inline)) void *inner(size_t n) { return leaf(n + 1); }
static inline __attribute__((always_inline)) void *middle(size_t n) { return inner(n * 2); }
__attribute__((noinline)) void *outer(size_t n) { void *p = middle(n); __asm__ volatile("" ::: "memory"); return p; }

int main(void)
{
    char *p = outer(10);
    ((volatile char *)p)[21] = 'x';     /* one past the end of 21 bytes */
    free(p);
    return 0;
}
