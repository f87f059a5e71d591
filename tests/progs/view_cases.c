/* A run for the viewer tests (tests/integration/view.sh), with figures
 * easy to check: "parser" allocates 10 blocks of 1000 bytes and "cache" 5
 * of 2000 (the peak: 20000 bytes and the churn's one block of 16); a block
 * is pinned long after it was allocated, handed to "cache", unpinned and
 * pinned again; the others are freed; one of them is freed twice (a
 * double-free in release()), and the pinned block leaks. Between the
 * steps, churn() makes thousands of events. */
#include <stdlib.h>

#include "ward.h"

static void *keep[15];

static void __attribute__((noinline)) churn(int n)
{
    for (int i = 0; i < n; i++)
        free(malloc(16));
}

static void __attribute__((noinline)) release(void *p)
{
    free(p);
}

static void __attribute__((noinline)) parse(void)
{
    for (int i = 0; i < 10; i++)
        keep[i] = malloc(1000);
}

int main(void)
{
    ward_owner_push("parser");
    parse();
    ward_owner_pop();
    ward_owner_push("cache");
    for (int i = 10; i < 15; i++)
        keep[i] = malloc(2000);
    ward_owner_pop();
    churn(2000);
    ward_pin(keep[0]);
    churn(2000);
    ward_owner_set(keep[0], "cache");
    ward_unpin(keep[0]);
    churn(500);
    ward_pin(keep[0]);
    for (int i = 1; i < 15; i++)
        free(keep[i]);
    churn(1000);
    release(keep[5]);
    return 0;
}
