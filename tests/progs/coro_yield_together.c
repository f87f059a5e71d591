/* Eight threads, each with a coroutine that was suspended while main freed
 * a block. Main writes the freed block, then releases all eight at once;
 * each yields, and each yield checks the block: the one write must be
 * reported once, not by every yield that finds it before the first report
 * poisons the block again. (Which coroutine it names is not known after
 * the fact: see docs/coroutines.md.) */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define N 8
static pthread_barrier_t b;
static char *volatile blk;
static __thread ucontext_t sched;
static ucontext_t ctx[N];

static __thread int me;
static void body(int i)
{
    swapcontext(&ctx[i], &sched);        /* suspended while main frees */
    if (i & 1)
        swapcontext(&ctx[i], &sched);    /* yields after the write: checks */
    else
        swapcontext(&ctx[i], &sched);    /* the same, from another line */
}

static void *thr(void *a)
{
    me = (int)(long)a;
    swapcontext(&sched, &ctx[me]);       /* to its first yield */
    pthread_barrier_wait(&b);            /* (1) all suspended */
    pthread_barrier_wait(&b);            /* (2) freed and written */
    swapcontext(&sched, &ctx[me]);       /* all at once */
    return NULL;
}

int main(void)
{
    pthread_t t[N];
    blk = malloc(64);
    memset(blk, 1, 64);
    for (int i = 0; i < N; i++) {
        getcontext(&ctx[i]);
        ctx[i].uc_stack.ss_sp = malloc(64 << 10);
        ctx[i].uc_stack.ss_size = 64 << 10;
        makecontext(&ctx[i], (void (*)(void))body, 1, i);
    }
    pthread_barrier_init(&b, NULL, N + 1);
    for (int i = 0; i < N; i++) pthread_create(&t[i], NULL, thr, (void *)(long)i);
    pthread_barrier_wait(&b);            /* (1) */
    char *p = blk;
    free(p);
    p[8] = 'X';                          /* the only bad write: main's */
    pthread_barrier_wait(&b);            /* (2) */
    for (int i = 0; i < N; i++) pthread_join(t[i], NULL);
    puts("done");
    return 0;
}
