/* Coroutines switched the way QEMU's ucontext backend does it: each is
 * entered once with swapcontext (so ward sees it made and started), then
 * every switch is a sigsetjmp/siglongjmp pair ward never sees. ward must
 * still know which coroutine runs, from the stack pointer.
 *
 * Usage: coro_longjmp [held-across-yield] [ROUNDS]
 * Clean: a producer hands blocks to a consumer for ROUNDS rounds.
 * held-across-yield: the consumer keeps the first block across a yield,
 * the producer frees it meanwhile, and the consumer writes to it. */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "ward.h"

#define STACK (64 * 1024)

struct coro {
    sigjmp_buf env;             /* where it resumes */
    sigjmp_buf *caller;         /* where it returns to when it yields */
    ucontext_t uc;
    void (*fn)(void);
};

static sigjmp_buf main_env;
static struct coro producer, consumer;
static struct coro *current;
static char *mailbox;
static int bug, rounds = 100;
static long consumed;

/* Back to the scheduler, as qemu_coroutine_switch does. */
static void yield(void)
{
    if (!sigsetjmp(current->env, 0))
        siglongjmp(main_env, 1);
}

static void trampoline(void)
{
    /* The first entry came through swapcontext: save where the coroutine
     * starts and go straight back, as QEMU's coroutine_trampoline does. */
    struct coro *self = current;
    if (!sigsetjmp(self->env, 0))
        siglongjmp(main_env, 1);
    self->fn();
    siglongjmp(main_env, 2);    /* finished */
}

static void make(struct coro *c, void (*fn)(void), const char *name)
{
    ucontext_t back;
    c->fn = fn;
    getcontext(&c->uc);
    c->uc.uc_stack.ss_sp = malloc(STACK);
    c->uc.uc_stack.ss_size = STACK;
    c->uc.uc_link = NULL;
    makecontext(&c->uc, trampoline, 0);
    current = c;
    if (!sigsetjmp(main_env, 0))
        swapcontext(&back, &c->uc);
    (void)name;
}

static void produce(void)
{
    char *first = NULL;
    ward_coro_name("producer");
    for (int i = 0; i < rounds; i++) {
        if (bug && i == 1)
            free(first);                /* the consumer still holds it */
        mailbox = malloc(64);
        snprintf(mailbox, 64, "item %d", i);
        if (i == 0)
            first = mailbox;
        yield();
    }
}

static void consume(void)
{
    char *held = NULL;
    ward_coro_name("consumer");
    for (int i = 0; i < rounds; i++) {
        if (held)
            held[0] = 'X';              /* kept across a yield, freed meanwhile */
        held = NULL;
        char *m = mailbox;
        if (m[0] == 'i')
            consumed++;
        if (bug && i == 0)
            held = m;
        else
            free(m);
        yield();
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "held-across-yield") == 0)
        bug = 1;
    if (argc > 2)
        rounds = atoi(argv[2]);
    make(&producer, produce, "producer");
    make(&consumer, consume, "consumer");
    /* Round robin; each step the scheduler logs into a fresh buffer, as
     * real schedulers allocate between switches. */
    volatile int live = 2;
    while (live) {
        live = 0;
        struct coro *cs[2] = { &producer, &consumer };
        for (int k = 0; k < 2; k++) {
            if (!cs[k]->fn)
                continue;
            current = cs[k];
            int r = sigsetjmp(main_env, 0);
            if (r == 0)
                siglongjmp(cs[k]->env, 1);
            if (r == 2)
                cs[k]->fn = NULL;
            else
                live++;
            free(malloc(16));
        }
    }
    free(producer.uc.uc_stack.ss_sp);
    free(consumer.uc.uc_stack.ss_sp);
    printf("consumed %ld of %d\n", consumed, rounds);
    return 0;
}
