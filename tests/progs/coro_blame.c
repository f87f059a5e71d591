/* Coroutine A frees a block and writes to it, then switches straight to B,
 * which was suspended all the while and never touches it. The write is
 * A's: found as A yields, with no "suspended" explanation for B. */
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>
#include <ward.h>

static ucontext_t main_ctx, ctx_a, ctx_b;
static char *p;

__attribute__((noinline)) static void write_after_free(char *q) { q[3] = 'X'; }

static void coro_a(void)
{
    ward_coro_name("A");
    p = malloc(32);
    swapcontext(&ctx_a, &main_ctx);
    free(p);
    write_after_free(p);
    swapcontext(&ctx_a, &ctx_b);
}

static void coro_b(void)
{
    ward_coro_name("B");
    swapcontext(&ctx_b, &main_ctx);
    swapcontext(&ctx_b, &main_ctx);
}

static void make(ucontext_t *c, void (*fn)(void))
{
    getcontext(c);
    c->uc_stack.ss_sp = malloc(65536);
    c->uc_stack.ss_size = 65536;
    c->uc_link = &main_ctx;
    makecontext(c, fn, 0);
}

int main(void)
{
    make(&ctx_a, coro_a);
    make(&ctx_b, coro_b);
    swapcontext(&main_ctx, &ctx_a);     /* A allocates */
    swapcontext(&main_ctx, &ctx_b);     /* B suspends */
    swapcontext(&main_ctx, &ctx_a);     /* A frees, writes, goes to B */
    puts("done");
    return 0;
}
