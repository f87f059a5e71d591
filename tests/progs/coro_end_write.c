/* A coroutine keeps a pointer across a yield, main frees the block, and the
 * coroutine writes to it and returns instead of yielding again: the write
 * is found as the coroutine finishes and explained by the free made while
 * it was suspended. */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx;
static char *held;

__attribute__((noinline)) static void write_after_free(char *q) { q[5] = 'E'; }

static void body(void)
{
    char *p = held = malloc(40);
    swapcontext(&co_ctx, &main_ctx);
    write_after_free(p);
}

__attribute__((noinline)) static void drop(void) { free(held); }

int main(void)
{
    static char stack[1 << 16];
    getcontext(&co_ctx);
    co_ctx.uc_stack.ss_sp = stack;
    co_ctx.uc_stack.ss_size = sizeof stack;
    co_ctx.uc_link = &main_ctx;
    makecontext(&co_ctx, body, 0);
    swapcontext(&main_ctx, &co_ctx);
    drop();
    swapcontext(&main_ctx, &co_ctx);
    printf("done\n");
    return 0;
}
