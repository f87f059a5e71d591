/* Threads that allocate, hand blocks to each other and free them: a
 * correct program, so ward must say nothing. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define THREADS 8
#define ROUNDS  20000

static void *slots[THREADS][64];

static void *work(void *arg)
{
    long id = (long)arg;
    unsigned seed = (unsigned)id * 7919u + 1;
    for (int r = 0; r < ROUNDS; r++) {
        seed = seed * 1103515245u + 12345u;
        size_t size = (seed >> 8) % 2000 + 1;
        int s = (int)((seed >> 20) % 64);
        void *old = __atomic_exchange_n(&slots[(id + r) % THREADS][s], malloc(size),
                                        __ATOMIC_ACQ_REL);
        free(old);                        /* often another thread's block */
        if (r % 100 == 0) {
            char *p = realloc(NULL, 10);
            for (size_t n = 20; n < 5000; n *= 2)
                p = realloc(p, n);
            free(p);
        }
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    pthread_setname_np(pthread_self(), "boss");
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, work, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < THREADS; i++)
        for (int s = 0; s < 64; s++)
            free(slots[i][s]);
    printf("done\n");
    return 0;
}
