/* A coroutine whose function has a frame larger than its whole stack (a
 * big local array), on a stack carved from the top of a larger pool: the
 * writes reach ward's guard page with the stack pointer already far below
 * the stack, inside the rest of the pool. That is still the coroutine
 * running off its stack, and must be reported, not waved through. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define STACK (64 * 1024)

static ucontext_t co, back;

__attribute__((noinline)) static void big_frame(void)
{
    volatile char buf[160 * 1024];
    for (long i = (long)sizeof buf - 1; i >= 0; i--)
        buf[i] = 1;
}

static void body(void)
{
    big_frame();
    swapcontext(&co, &back);
}

int main(void)
{
    char *pool = calloc(4, STACK);
    getcontext(&co);
    co.uc_stack.ss_sp = pool + 3 * STACK;
    co.uc_stack.ss_size = STACK;
    co.uc_link = NULL;
    makecontext(&co, body, 0);
    swapcontext(&back, &co);
    printf("survived\n");
    return 0;
}
