/* A malloc-heavy workload: THREADS threads each run OPS allocation
 * operations over a window of live blocks with mixed sizes (mostly small,
 * some large), reallocs, and frees of blocks another thread allocated.
 * Prints the time per operation. Usage: malloc_heavy [OPS] [THREADS] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WINDOW 4096

static long ops = 2000000;
static int nthreads = 2;
static void *_Atomic shared[WINDOW];    /* blocks handed between threads */

static size_t pick_size(unsigned *seed)
{
    unsigned r = rand_r(seed);
    switch (r % 16) {
    case 0:  return 1024 + r % 16384;          /* occasional medium */
    case 1:  return r % 3 ? 64 + r % 512 : 1 + r % 8;
    default: return 8 + r % 248;               /* mostly small */
    }
}

static void *work(void *arg)
{
    unsigned seed = (unsigned)(long)arg * 2654435761u + 1;
    void *live[WINDOW] = { 0 };
    for (long i = 0; i < ops; i++) {
        unsigned r = rand_r(&seed);
        int slot = (int)(r % WINDOW);
        if (r % 97 == 0) {
            /* Trade with the other threads: they free what we made. */
            void *mine = malloc(pick_size(&seed));
            free(__atomic_exchange_n(&shared[slot], mine, __ATOMIC_ACQ_REL));
        } else if (r % 13 == 0 && live[slot]) {
            live[slot] = realloc(live[slot], pick_size(&seed));
        } else {
            free(live[slot]);
            size_t n = pick_size(&seed);
            live[slot] = malloc(n);
            memset(live[slot], 1, n < 64 ? n : 64);
        }
    }
    for (int i = 0; i < WINDOW; i++)
        free(live[i]);
    return NULL;
}

int main(int argc, char **argv)
{
    struct timespec a, b;
    if (argc > 1)
        ops = atol(argv[1]);
    if (argc > 2)
        nthreads = atoi(argv[2]);
    pthread_t th[64];
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < nthreads; i++)
        pthread_create(&th[i], NULL, work, (void *)i);
    for (int i = 0; i < nthreads; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < WINDOW; i++)
        free(shared[i]);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("%.1f ns per operation (%ld operations on %d threads)\n",
           ns / ((double)ops * nthreads), ops * nthreads, nthreads);
    return 0;
}
