/* A coroutine holds a block across a yield; a short-lived thread frees it
 * and ends; 50 more threads come and go, freeing a block each (they take
 * over the ended threads' logs of frees); then the coroutine writes to the
 * block and yields. The write is still explained by the first thread's
 * free, made while the coroutine was suspended.
 *
 * With argv[1] "inherit": a thread started by a running coroutine frees a
 * block and writes to it itself, then ends; the coroutine's thread then
 * takes over that thread's log at its first free, and the coroutine
 * yields. The write is not the coroutine's (found at exit instead). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static ucontext_t main_ctx, co_ctx;
static char *held;

__attribute__((noinline)) static void write_after_free(char *q) { q[3] = 'X'; }

static void body(void)
{
    held = malloc(48);
    swapcontext(&co_ctx, &main_ctx);        /* suspended while it is freed */
    write_after_free(held);
    swapcontext(&co_ctx, &main_ctx);
}

static void *free_held(void *arg)
{
    free(held);
    return arg;
}

static void *churn(void *arg)
{
    free(malloc(32));
    return arg;
}

static void run(void *(*fn)(void *))
{
    pthread_t t;
    if (pthread_create(&t, NULL, fn, NULL) != 0)
        exit(1);
    pthread_join(t, NULL);
}

__attribute__((noinline)) static void own_write_after_free(char *q) { q[3] = 'T'; }

static void *free_and_write(void *arg)
{
    char *p = malloc(48);
    free(p);
    own_write_after_free(p);
    return arg;
}

static void inherit_body(void)
{
    run(free_and_write);
    free(malloc(16));                       /* takes the ended thread's log */
    swapcontext(&co_ctx, &main_ctx);
}

int main(int argc, char **argv)
{
    static char stack[1 << 16];
    getcontext(&co_ctx);
    co_ctx.uc_stack.ss_sp = stack;
    co_ctx.uc_stack.ss_size = sizeof stack;
    co_ctx.uc_link = &main_ctx;
    int inherit = argc > 1 && !strcmp(argv[1], "inherit");
    makecontext(&co_ctx, inherit ? inherit_body : body, 0);
    swapcontext(&main_ctx, &co_ctx);
    if (inherit) {
        printf("done\n");
        return 0;
    }
    run(free_held);
    for (int i = 0; i < 50; i++)
        run(churn);
    swapcontext(&main_ctx, &co_ctx);
    printf("done\n");
    return 0;
}
