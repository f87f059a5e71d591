/* Coroutines on malloc'd stacks of varying sizes, each entered once and
 * abandoned while suspended: its stack is freed under it. Hundreds of
 * thousands of distinct stack blocks must not fill ward's table of them
 * (a stack guard left behind on freed memory would fault a later
 * allocation there). */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

static ucontext_t main_uc, co_uc;

static void body(void)
{
    swapcontext(&co_uc, &main_uc);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 250000;
    for (long i = 0; i < n; i++) {
        size_t size = 16384 + (size_t)(i % 4096) * 16;
        char *stack = malloc(size);
        getcontext(&co_uc);
        co_uc.uc_stack.ss_sp = stack;
        co_uc.uc_stack.ss_size = size;
        co_uc.uc_link = &main_uc;
        makecontext(&co_uc, body, 0);
        swapcontext(&main_uc, &co_uc);
        free(stack);
    }
    printf("abandoned %ld\n", n);
    return 0;
}
