/* Models Larson and Krishnan's server benchmark ("larson"): worker threads
 * replace blocks of random sizes in a shared array of slots, and the
 * threads of one round inherit the slots of the previous round's threads,
 * so most blocks are freed by a different thread than the one that
 * allocated them (chunks exchanged between threads, as when a server
 * hands a request's buffers from one worker to the next).
 *
 * The array is cut into THREADS regions. In round r, thread t works on
 * region (t + r) % THREADS: for OPS steps it frees a random slot of that
 * region and puts a fresh block of MIN..MAX bytes there. New threads are
 * started each round (as larson does). Regions are never shared within a
 * round, so the run is deterministic: every thread draws from a seed made
 * of its round and index.
 *
 * Usage: larson [OPS_PER_ROUND] [ROUNDS] [THREADS] [SLOTS_PER_THREAD] [MIN] [MAX]
 * Prints a checksum of the bytes it read back. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long ops = 2000000;
static int rounds = 10;
static int nthreads = 2;
static long slots = 8000;
static size_t min_size = 10, max_size = 500;

static unsigned char **blocks;   /* nthreads * slots */
static size_t *sizes;

struct job {
    int round, index;
    uint64_t sum;
};

static uint64_t next(uint64_t *s)
{
    /* xorshift64*: cheap and the same everywhere */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void *worker(void *arg)
{
    struct job *job = arg;
    long region = (job->index + job->round) % nthreads;
    unsigned char **b = blocks + region * slots;
    size_t *sz = sizes + region * slots;
    uint64_t seed = 0x9e3779b97f4a7c15ull * (uint64_t)(job->round * 1000 + job->index + 1);
    uint64_t sum = 0;
    for (long i = 0; i < ops; i++) {
        uint64_t r = next(&seed);
        long k = (long)(r % (uint64_t)slots);
        if (b[k]) {
            /* Read what the previous owner wrote before freeing it. */
            sum += b[k][0] + b[k][sz[k] - 1];
            free(b[k]);
        }
        size_t n = min_size + (size_t)((r >> 32) % (max_size - min_size + 1));
        b[k] = malloc(n);
        if (!b[k]) {
            perror("malloc");
            exit(1);
        }
        b[k][0] = (unsigned char)r;
        b[k][n - 1] = (unsigned char)(r >> 8);
        sz[k] = n;
    }
    job->sum = sum;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) ops = atol(argv[1]);
    if (argc > 2) rounds = atoi(argv[2]);
    if (argc > 3) nthreads = atoi(argv[3]);
    if (argc > 4) slots = atol(argv[4]);
    if (argc > 5) min_size = (size_t)atol(argv[5]);
    if (argc > 6) max_size = (size_t)atol(argv[6]);
    if (nthreads < 1 || nthreads > 256 || slots < 1 || min_size < 1 || max_size < min_size) {
        fprintf(stderr, "larson: bad arguments\n");
        return 2;
    }
    blocks = calloc((size_t)nthreads * slots, sizeof *blocks);
    sizes = calloc((size_t)nthreads * slots, sizeof *sizes);
    pthread_t th[256];
    struct job jobs[256];
    uint64_t sum = 0;
    for (int r = 0; r < rounds; r++) {
        for (int t = 0; t < nthreads; t++) {
            jobs[t] = (struct job){ .round = r, .index = t };
            if (pthread_create(&th[t], NULL, worker, &jobs[t]) != 0) {
                fprintf(stderr, "larson: pthread_create failed\n");
                return 1;
            }
        }
        for (int t = 0; t < nthreads; t++) {
            pthread_join(th[t], NULL);
            sum += jobs[t].sum;
        }
    }
    for (long i = 0; i < (long)nthreads * slots; i++)
        free(blocks[i]);
    free(blocks);
    free(sizes);
    printf("larson: %ld operations on %d threads x %d rounds, checksum %llu\n",
           ops * nthreads * rounds, nthreads, rounds, (unsigned long long)sum);
    return 0;
}
