/* Threads that each run their own ucontext coroutines, many switches
 * each, allocating and freeing across coroutines: correct, so nothing may
 * be reported; with argv[1] == "stats", stats=1 shows the coroutines. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>

#include "ward.h"

#define CORO 4
#define ROUNDS 2000

struct sched {
    ucontext_t main, ctx[CORO];
    void *slot[CORO];
    int current;
};

static __thread struct sched *me;

static void body(void)
{
    struct sched *s = me;
    int id = s->current;
    char name[16];
    snprintf(name, sizeof name, "worker%d", id);
    ward_coro_name(name);
    for (int r = 0; r < ROUNDS; r++) {
        free(s->slot[(id + 1) % CORO]);         /* often another coroutine's */
        s->slot[(id + 1) % CORO] = malloc(16 + r % 200);
        swapcontext(&s->ctx[id], &s->main);
    }
}

static void *thread(void *arg)
{
    struct sched s = { 0 };
    me = &s;
    (void)arg;
    for (int i = 0; i < CORO; i++) {
        getcontext(&s.ctx[i]);
        s.ctx[i].uc_stack.ss_size = 32768;
        s.ctx[i].uc_stack.ss_sp = malloc(32768);
        s.ctx[i].uc_link = &s.main;
        makecontext(&s.ctx[i], body, 0);
    }
    for (int r = 0; r <= ROUNDS; r++)
        for (s.current = 0; s.current < CORO; s.current++)
            swapcontext(&s.main, &s.ctx[s.current]);
    for (int i = 0; i < CORO; i++) {
        free(s.ctx[i].uc_stack.ss_sp);
        free(s.slot[i]);
    }
    return NULL;
}

int main(void)
{
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, thread, NULL);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("%d switches done\n", 3 * CORO * (ROUNDS + 1) * 2);
    return 0;
}
