/* One ucontext_t made twice: coroutine 1 ("one") on the main thread runs
 * and finishes, another thread makes coroutine 2 in the same record, and
 * the main thread runs it. Coroutine 2 frees a block twice: the report
 * must name coroutine 2, not what the main thread saw in that record
 * before. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>
#include <ward.h>

static ucontext_t main_ctx, ctx;
static char stack[1 << 16];

static void one(void)
{
    ward_coro_name("one");
}

static void two(void)
{
    char *p = malloc(16);
    free(p);
    free(p);
}

static void make(void (*fn)(void))
{
    getcontext(&ctx);
    ctx.uc_stack.ss_sp = stack;
    ctx.uc_stack.ss_size = sizeof stack;
    ctx.uc_link = &main_ctx;
    makecontext(&ctx, fn, 0);
}

static void *maker(void *arg)
{
    make(two);
    return arg;
}

int main(void)
{
    pthread_t t;
    make(one);
    swapcontext(&main_ctx, &ctx);
    pthread_create(&t, NULL, maker, NULL);
    pthread_join(t, NULL);
    swapcontext(&main_ctx, &ctx);
    puts("done");
    return 0;
}
