/* Coroutine switches: ROUNDS round trips between the main context and one
 * ucontext coroutine (two swapcontext calls each), no allocation. Prints
 * the time per round trip. Usage: switch [ROUNDS] */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx;
static long rounds = 1000000;

static void body(void)
{
    for (;;)
        swapcontext(&co_ctx, &main_ctx);
}

int main(int argc, char **argv)
{
    static char stack[64 * 1024];
    struct timespec a, b;
    if (argc > 1)
        rounds = atol(argv[1]);
    getcontext(&co_ctx);
    co_ctx.uc_stack.ss_sp = stack;
    co_ctx.uc_stack.ss_size = sizeof stack;
    co_ctx.uc_link = &main_ctx;
    makecontext(&co_ctx, body, 0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < rounds; i++)
        swapcontext(&main_ctx, &co_ctx);
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f ns per round trip (%ld round trips)\n",
           ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / rounds, rounds);
    return 0;
}
