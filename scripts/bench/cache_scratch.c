/* Models cache-scratch (from the Hoard benchmarks): tests whether the
 * allocator causes false sharing. The main thread allocates one small
 * object per thread, back to back (so they likely share a cache line),
 * and hands one to each thread; each thread frees the object it was given,
 * then repeatedly allocates a small object, writes to it many times and
 * frees it. An allocator that hands a thread memory on a cache line
 * another thread is writing makes the writes bounce the line between
 * cores; one that keeps per-thread memory apart does not.
 *
 * Usage: cache_scratch [ITERATIONS] [WRITES] [THREADS] [OBJECT_SIZE]
 * Prints a checksum of the objects' last contents. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static long iterations = 400000;
static long writes = 200;
static int nthreads = 2;
static size_t object_size = 8;

struct job {
    char *given;              /* allocated by the main thread, freed here */
    unsigned long sum;
};

static void *worker(void *arg)
{
    struct job *job = arg;
    free(job->given);
    unsigned long sum = 0;
    for (long i = 0; i < iterations; i++) {
        volatile char *p = malloc(object_size);
        if (!p) {
            perror("malloc");
            exit(1);
        }
        for (size_t k = 0; k < object_size; k++)
            p[k] = (char)k;
        for (long w = 0; w < writes; w++)
            for (size_t k = 0; k < object_size; k++)
                p[k] = (char)(p[k] + (k == 0 ? 1 : (char)w));
        sum += (unsigned char)p[object_size - 1];
        free((void *)p);
    }
    job->sum = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) iterations = atol(argv[1]);
    if (argc > 2) writes = atol(argv[2]);
    if (argc > 3) nthreads = atoi(argv[3]);
    if (argc > 4) object_size = (size_t)atol(argv[4]);
    if (nthreads < 1 || nthreads > 256 || object_size < 1) {
        fprintf(stderr, "cache_scratch: bad arguments\n");
        return 2;
    }
    pthread_t th[256];
    struct job jobs[256];
    for (int t = 0; t < nthreads; t++) {
        jobs[t].given = malloc(object_size);
        jobs[t].sum = 0;
        if (!jobs[t].given) {
            perror("malloc");
            return 1;
        }
    }
    for (int t = 0; t < nthreads; t++)
        pthread_create(&th[t], NULL, worker, &jobs[t]);
    unsigned long sum = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        sum += jobs[t].sum;
    }
    printf("cache_scratch: %d threads x %ld objects of %zu bytes x %ld writes (checksum %lu)\n",
           nthreads, iterations, object_size, writes, sum);
    return 0;
}
