/* GNU Pth, a real coroutine library: its threads are ucontext coroutines
 * (makecontext, swapcontext) that switch through a scheduler coroutine,
 * and it keeps a canary at the bottom of every stack that its scheduler
 * reads with all signals blocked. A producer hands messages to a consumer.
 *
 * Usage: pth_pipe [held-across-yield]
 * held-across-yield: the consumer keeps message 3 across two yields, the
 * producer frees it meanwhile, and the consumer writes to it. */
#include <pth.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *shared;
static int bug;

static void *producer(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) {
        shared = malloc(64);
        snprintf(shared, 64, "msg %d", i);
        pth_yield(NULL);
        if (bug && i == 3) {
            free(shared);           /* the consumer still holds it */
            pth_yield(NULL);
        }
    }
    return NULL;
}

static void *consumer(void *arg)
{
    long n = 0;
    (void)arg;
    for (int i = 0; i < 100; i++) {
        char *m = shared;
        pth_yield(NULL);
        if (bug && i == 3) {
            pth_yield(NULL);
            m[0] = 'X';             /* use after free */
            continue;
        }
        if (m[0] == 'm')
            n++;
        free(m);
    }
    printf("consumed %ld\n", n);
    return NULL;
}

int main(int argc, char **argv)
{
    bug = argc > 1 && strcmp(argv[1], "held-across-yield") == 0;
    pth_init();
    pth_attr_t attr = pth_attr_new();
    pth_t p = pth_spawn(attr, producer, NULL);
    pth_t c = pth_spawn(attr, consumer, NULL);
    pth_join(p, NULL);
    pth_join(c, NULL);
    pth_attr_destroy(attr);
    pth_kill();
    return 0;
}
