/* A small ucontext scheduler: producers make messages, consumers take them
 * from a channel and free them, all coroutines on one thread switching
 * round robin. The first argument picks a bug to show (none by default):
 *
 *   held-across-yield  a consumer keeps a message across a yield; the
 *                      producer frees it meanwhile; the consumer then
 *                      writes to it
 *   double-free        the producer and a consumer both free a message
 *   stack-overflow     a consumer recurses until it runs off its stack
 *   dead-stack         a coroutine hands out a pointer to one of its
 *                      locals and finishes; its stack is freed; the
 *                      pointer is read
 *   leak               a consumer drops messages (with coro_leaks=1 ward
 *                      says so when it finishes)
 *
 * The second argument (default 1000) is the number of messages.
 *
 *     cc -g -o coro_scheduler docs/examples/coro_scheduler.c -Ilib
 *     ward run -- ./coro_scheduler held-across-yield
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "ward.h"

#define STACK_SIZE  (64 * 1024)
#define MAX_CORO    8
#define CHANNEL_CAP 4

struct message {
    int seq;
    char text[40];
};

struct coro {
    ucontext_t ctx;
    char *stack;
    void (*body)(void);
    int done;
};

static ucontext_t scheduler;
static struct coro coros[MAX_CORO];
static int ncoros, current;
static const char *bug = "";
static int total = 1000;

static struct message *channel[CHANNEL_CAP];
static int nqueued, produced, consumed;
static struct message *shared;          /* for the double free */
static int *escaped;                    /* for the dead stack */

static void yield(void)
{
    swapcontext(&coros[current].ctx, &scheduler);
}

/* Every coroutine starts here; returning goes back to the scheduler
 * (uc_link). */
static void run(void)
{
    struct coro *c = &coros[current];
    c->body();
    c->done = 1;
}

static void spawn(void (*body)(void))
{
    struct coro *c = &coros[ncoros++];
    getcontext(&c->ctx);
    c->stack = malloc(STACK_SIZE);
    c->ctx.uc_stack.ss_sp = c->stack;
    c->ctx.uc_stack.ss_size = STACK_SIZE;
    c->ctx.uc_link = &scheduler;
    c->body = body;
    makecontext(&c->ctx, run, 0);
}

static void producer(void)
{
    ward_coro_name("producer");
    while (produced < total) {
        while (nqueued == CHANNEL_CAP)
            yield();
        struct message *m = malloc(sizeof *m);
        m->seq = produced++;
        snprintf(m->text, sizeof m->text, "message %d", m->seq);
        channel[nqueued++] = m;
        if (!strcmp(bug, "held-across-yield") && m->seq == 3) {
            yield();                    /* the consumer takes m, and waits */
            free(m);                    /* ... while we free it */
        }
        if (!strcmp(bug, "double-free") && m->seq == 5)
            shared = m;
        yield();
    }
    if (shared)
        free(shared);
}

static int depth_sum(int n)
{
    volatile char frame[256];
    frame[0] = (char)n;
    return n ? depth_sum(n - 1) + frame[0] : 0;
}

static void consumer(void)
{
    ward_coro_name("consumer");
    for (;;) {
        while (nqueued == 0 && produced < total)
            yield();
        if (nqueued == 0)
            return;
        struct message *m = channel[--nqueued];
        if (!strcmp(bug, "held-across-yield") && m->seq == 3) {
            yield();                    /* holding m across the yield */
            m->text[0] = 'M';           /* the producer freed it */
            consumed++;
            continue;
        }
        if (!strcmp(bug, "stack-overflow") && m->seq == 7)
            depth_sum(1 << 20);
        consumed++;
        if (!strcmp(bug, "leak") && m->seq % 100 == 0)
            continue;                   /* dropped, never freed */
        free(m);
    }
}

static void borrower(void)
{
    int local = 42;
    ward_coro_name("borrower");
    escaped = &local;                   /* escapes its coroutine */
}

int main(int argc, char **argv)
{
    if (argc > 1)
        bug = argv[1];
    if (argc > 2)
        total = atoi(argv[2]);
    spawn(producer);
    spawn(consumer);
    spawn(consumer);
    if (!strcmp(bug, "dead-stack"))
        spawn(borrower);
    for (int alive = ncoros; alive > 0;) {
        alive = 0;
        for (current = 0; current < ncoros; current++) {
            if (coros[current].done)
                continue;
            swapcontext(&scheduler, &coros[current].ctx);
            alive += !coros[current].done;
        }
    }
    for (int i = 0; i < ncoros; i++)
        free(coros[i].stack);
    if (escaped)
        printf("escaped local reads %d\n", *escaped);
    printf("produced %d consumed %d\n", produced, consumed);
    return 0;
}
