/* Models xmalloc-test's producer/consumer pattern: producer threads only
 * allocate (blocks of random small sizes, written once) and push them, in
 * batches, onto a shared bounded queue; consumer threads only pop batches
 * and free every block in them. Every block is therefore freed by a thread
 * that never allocates, which drains the freeing thread's caches and makes
 * the allocator move memory back to the producers.
 *
 * Deterministic in what is allocated: each producer draws its sizes from
 * its own seed and makes exactly BLOCKS blocks; which consumer frees which
 * batch varies, but every block is freed exactly once.
 *
 * Usage: xmalloc [BLOCKS_PER_PRODUCER] [PRODUCERS] [CONSUMERS] [BATCH]
 * (batches of 256 by default: fewer hand-offs make the timing depend less
 * on how the threads are scheduled)
 * Prints the number of blocks and bytes that went through the queue. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_CAP 64          /* batches in flight at most */

static long per_producer = 4000000;
static int nproducers = 1, nconsumers = 1;
static int batch = 256;

struct batch {
    int n;
    void *blocks[];           /* batch entries */
};

static struct {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    struct batch *items[QUEUE_CAP];
    int head, count, producers_left;
} q = { .lock = PTHREAD_MUTEX_INITIALIZER, .not_empty = PTHREAD_COND_INITIALIZER, .not_full = PTHREAD_COND_INITIALIZER };

static void push(struct batch *b)
{
    pthread_mutex_lock(&q.lock);
    while (q.count == QUEUE_CAP)
        pthread_cond_wait(&q.not_full, &q.lock);
    q.items[(q.head + q.count) % QUEUE_CAP] = b;
    q.count++;
    pthread_cond_signal(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
}

/* NULL once the producers are done and the queue is empty. */
static struct batch *pop(void)
{
    struct batch *b = NULL;
    pthread_mutex_lock(&q.lock);
    while (q.count == 0 && q.producers_left > 0)
        pthread_cond_wait(&q.not_empty, &q.lock);
    if (q.count > 0) {
        b = q.items[q.head];
        q.head = (q.head + 1) % QUEUE_CAP;
        q.count--;
        pthread_cond_signal(&q.not_full);
    }
    pthread_mutex_unlock(&q.lock);
    return b;
}

static void *producer(void *arg)
{
    uint32_t seed = 2463534242u + (uint32_t)(uintptr_t)arg * 7919u;
    long made = 0;
    while (made < per_producer) {
        int n = per_producer - made < batch ? (int)(per_producer - made) : batch;
        struct batch *b = malloc(sizeof *b + (size_t)n * sizeof(void *));
        if (!b) {
            perror("malloc");
            exit(1);
        }
        b->n = n;
        for (int i = 0; i < n; i++) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            size_t size = 8 + seed % 121;         /* 8..128 bytes, like xmalloc-test's small objects */
            if (seed % 64 == 0)
                size = 256 + seed % 1792;         /* an occasional larger one */
            char *p = malloc(size);
            if (!p) {
                perror("malloc");
                exit(1);
            }
            memset(p, (int)(seed & 0xff), size < 32 ? size : 32);
            p[size - 1] = 1;
            b->blocks[i] = p;
        }
        made += n;
        push(b);
    }
    pthread_mutex_lock(&q.lock);
    q.producers_left--;
    pthread_cond_broadcast(&q.not_empty);
    pthread_mutex_unlock(&q.lock);
    return NULL;
}

struct tally {
    long blocks;
    unsigned long bytes;
};

static void *consumer(void *arg)
{
    struct tally *t = arg;
    struct batch *b;
    while ((b = pop()) != NULL) {
        for (int i = 0; i < b->n; i++) {
            t->bytes += ((unsigned char *)b->blocks[i])[0];
            free(b->blocks[i]);
        }
        t->blocks += b->n;
        free(b);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) per_producer = atol(argv[1]);
    if (argc > 2) nproducers = atoi(argv[2]);
    if (argc > 3) nconsumers = atoi(argv[3]);
    if (argc > 4) batch = atoi(argv[4]);
    if (nproducers < 1 || nconsumers < 1 || nproducers + nconsumers > 256 || batch < 1) {
        fprintf(stderr, "xmalloc: bad arguments\n");
        return 2;
    }
    q.producers_left = nproducers;
    pthread_t th[256];
    struct tally tallies[256] = { { 0, 0 } };
    for (int i = 0; i < nconsumers; i++)
        pthread_create(&th[i], NULL, consumer, &tallies[i]);
    for (int i = 0; i < nproducers; i++)
        pthread_create(&th[nconsumers + i], NULL, producer, (void *)(uintptr_t)i);
    for (int i = 0; i < nproducers + nconsumers; i++)
        pthread_join(th[i], NULL);
    long blocks = 0;
    unsigned long sum = 0;
    for (int i = 0; i < nconsumers; i++) {
        blocks += tallies[i].blocks;
        sum += tallies[i].bytes;
    }
    if (blocks != per_producer * nproducers) {
        fprintf(stderr, "xmalloc: %ld blocks freed, %ld made\n", blocks, per_producer * nproducers);
        return 1;
    }
    printf("xmalloc: %ld blocks from %d producers freed by %d consumers (checksum %lu)\n",
           blocks, nproducers, nconsumers, sum);
    return 0;
}
