/* Stress: 16 threads allocating, handing blocks to each other and freeing
 * them, for a given time (argv[1] seconds, default 3).
 *
 * Each of 16 slots runs a succession of threads: a thread lives 0.2 to 1 s,
 * then hands what it still holds to the main thread and exits, and a new
 * thread takes its slot, so blocks are freed by threads other than the one
 * that allocated them, including after that thread has exited. Every block
 * carries a header (magic, size, owner tag) and a fill byte derived from the
 * tag; whoever frees or reallocates a block checks it first, so two blocks
 * handed out over the same memory are noticed. Sizes are mostly small, some
 * up to 8 KiB and a few of 64 to 300 KiB (guarded blocks under ward); the
 * functions are malloc, calloc, realloc, aligned_alloc and posix_memalign.
 * The live set is bounded: 16 windows of 128 blocks, 16 inboxes of at most
 * 256. Prints the counts and "ok", exit 0, if every check held. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SLOTS     16
#define WINDOW    128
#define INBOX_CAP 256
#define MAGIC     0x5741524455u

struct hdr {
    uint64_t magic;
    uint64_t size;          /* whole block, header included */
    uint64_t tag;           /* fill byte is tag & 0xff */
    struct hdr *next;       /* inbox and orphan lists */
};

struct inbox {
    pthread_mutex_t lock;
    struct hdr *head;
    int count;
};

static struct inbox inbox[SLOTS];
static pthread_mutex_t orphan_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hdr *orphans;
static double deadline;
static volatile int failed;
static int done[SLOTS];

static unsigned long n_alloc[SLOTS], n_handed[SLOTS], n_recv[SLOTS], n_realloc[SLOTS];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t pick_size(uint64_t *s)
{
    uint64_t r = rng(s) % 1000;
    if (r < 850)
        return sizeof(struct hdr) + rng(s) % 512;
    if (r < 995)
        return sizeof(struct hdr) + rng(s) % 8192;
    return 64 * 1024 + rng(s) % (236 * 1024);
}

static void stamp(struct hdr *h, size_t size, uint64_t tag)
{
    h->magic = MAGIC;
    h->size = size;
    h->tag = tag;
    h->next = NULL;
    memset(h + 1, (int)(tag & 0xff), size - sizeof *h);
}

static void check(const struct hdr *h, const char *where)
{
    const unsigned char *body = (const unsigned char *)(h + 1);
    size_t n = h->size - sizeof *h, step = n > 1024 ? 61 : 1;
    unsigned char fill = (unsigned char)(h->tag & 0xff);
    if (h->magic != MAGIC || h->size < sizeof *h || h->size > 400 * 1024) {
        fprintf(stderr, "threads16: bad header at %p (%s)\n", (void *)h, where);
        failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i += step)
        if (body[i] != fill) {
            fprintf(stderr, "threads16: block %p byte %zu is %#x, not %#x (%s)\n",
                    (void *)h, i, body[i], fill, where);
            failed = 1;
            return;
        }
    if (n && body[n - 1] != fill) {
        fprintf(stderr, "threads16: block %p last byte damaged (%s)\n", (void *)h, where);
        failed = 1;
    }
}

static struct hdr *new_block(uint64_t *s, uint64_t tag)
{
    size_t size = pick_size(s);
    void *p = NULL;
    switch (rng(s) % 8) {
    case 0:
        p = calloc(1, size);
        if (p && ((unsigned char *)p)[size - 1] != 0) {
            fprintf(stderr, "threads16: calloc memory not zeroed\n");
            failed = 1;
        }
        break;
    case 1:
        p = aligned_alloc(64, (size + 63) & ~(size_t)63);
        if ((uintptr_t)p & 63) {
            fprintf(stderr, "threads16: aligned_alloc misaligned\n");
            failed = 1;
        }
        break;
    case 2:
        if (posix_memalign(&p, 256, size) != 0)
            p = NULL;
        if ((uintptr_t)p & 255) {
            fprintf(stderr, "threads16: posix_memalign misaligned\n");
            failed = 1;
        }
        break;
    default:
        p = malloc(size);
        break;
    }
    if (!p) {
        fprintf(stderr, "threads16: out of memory for %zu bytes\n", size);
        failed = 1;
        exit(1);
    }
    stamp(p, size, tag);
    return p;
}

static void release(struct hdr *h, const char *where)
{
    check(h, where);
    h->magic = 0;
    free(h);
}

static int give(int to, struct hdr *h)
{
    struct inbox *b = &inbox[to];
    int ok = 0;
    pthread_mutex_lock(&b->lock);
    if (b->count < INBOX_CAP) {
        h->next = b->head;
        b->head = h;
        b->count++;
        ok = 1;
    }
    pthread_mutex_unlock(&b->lock);
    return ok;
}

static struct hdr *take_all(int slot)
{
    struct inbox *b = &inbox[slot];
    pthread_mutex_lock(&b->lock);
    struct hdr *h = b->head;
    b->head = NULL;
    b->count = 0;
    pthread_mutex_unlock(&b->lock);
    return h;
}

struct arg { int slot; uint64_t seed; };

static void *worker(void *p)
{
    struct arg a = *(struct arg *)p;
    free(p);                                /* allocated by the main thread */
    int me = a.slot;
    uint64_t s = a.seed | 1;
    struct hdr *win[WINDOW] = { 0 };
    double until = now() + 0.2 + (rng(&s) % 800) / 1000.0;
    if (until > deadline)
        until = deadline;
    for (unsigned long it = 0; !failed; it++) {
        if ((it & 255) == 0 && now() >= until)
            break;
        int i = (int)(rng(&s) % WINDOW);
        uint64_t r = rng(&s) % 100;
        if (r < 50) {                       /* replace a block of the window */
            if (win[i])
                release(win[i], "window");
            win[i] = new_block(&s, rng(&s));
            n_alloc[me]++;
        } else if (r < 75) {                /* hand one to another slot */
            if (win[i]) {
                int to = (int)((me + 1 + rng(&s) % (SLOTS - 1)) % SLOTS);
                if (give(to, win[i])) {
                    win[i] = NULL;
                    n_handed[me]++;
                }
            }
        } else {                            /* what others handed us */
            struct hdr *h = take_all(me);
            while (h) {
                struct hdr *next = h->next;
                n_recv[me]++;
                if (rng(&s) % 4 == 0) {     /* keep it, resized */
                    check(h, "inbox");
                    int j = (int)(rng(&s) % WINDOW);
                    size_t size = pick_size(&s);
                    uint64_t tag = rng(&s);
                    struct hdr *g = realloc(h, size);
                    if (!g) {
                        fprintf(stderr, "threads16: realloc failed\n");
                        exit(1);
                    }
                    stamp(g, size, tag);
                    n_realloc[me]++;
                    if (win[j])
                        release(win[j], "window");
                    win[j] = g;
                } else {
                    release(h, "inbox");
                }
                h = next;
            }
        }
    }
    /* What is left goes to the main thread, which frees it after we exit. */
    pthread_mutex_lock(&orphan_lock);
    for (int i = 0; i < WINDOW; i++)
        if (win[i]) {
            win[i]->next = orphans;
            orphans = win[i];
        }
    pthread_mutex_unlock(&orphan_lock);
    __atomic_store_n(&done[me], 1, __ATOMIC_RELEASE);
    return NULL;
}

static unsigned long free_orphans(void)
{
    unsigned long n = 0;
    pthread_mutex_lock(&orphan_lock);
    struct hdr *h = orphans;
    orphans = NULL;
    pthread_mutex_unlock(&orphan_lock);
    while (h) {
        struct hdr *next = h->next;
        release(h, "orphan");
        n++;
        h = next;
    }
    return n;
}

static pthread_t start(int slot, uint64_t seed)
{
    pthread_t t;
    struct arg *a = malloc(sizeof *a);
    a->slot = slot;
    a->seed = seed;
    done[slot] = 0;
    if (pthread_create(&t, NULL, worker, a) != 0) {
        fprintf(stderr, "threads16: pthread_create failed\n");
        exit(1);
    }
    return t;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 3.0;
    double t0 = now();
    deadline = t0 + secs;
    pthread_t t[SLOTS];
    unsigned long generations = 0, orphaned = 0;
    for (int i = 0; i < SLOTS; i++) {
        pthread_mutex_init(&inbox[i].lock, NULL);
        t[i] = start(i, 0x9e3779b97f4a7c15ull * (i + 1));
        generations++;
    }
    int running = SLOTS;
    while (running > 0) {
        usleep(5000);
        orphaned += free_orphans();
        for (int i = 0; i < SLOTS; i++) {
            if (t[i] == 0 || !__atomic_load_n(&done[i], __ATOMIC_ACQUIRE))
                continue;
            pthread_join(t[i], NULL);
            if (now() < deadline && !failed) {
                t[i] = start(i, 0x9e3779b97f4a7c15ull * (generations + 1));
                generations++;
            } else {
                t[i] = 0;
                running--;
            }
        }
    }
    orphaned += free_orphans();
    unsigned long left = 0;
    for (int i = 0; i < SLOTS; i++)
        for (struct hdr *h = take_all(i), *next; h; h = next) {
            next = h->next;
            release(h, "inbox at exit");
            left++;
        }
    unsigned long al = 0, ha = 0, re = 0, rc = 0;
    for (int i = 0; i < SLOTS; i++) {
        al += n_alloc[i];
        ha += n_handed[i];
        re += n_realloc[i];
        rc += n_recv[i];
    }
    printf("threads16: %.1f s, %lu threads, %lu allocations, %lu handed across threads "
           "(%lu received, %lu reallocated), %lu freed after their thread exited\n",
           now() - t0, generations, al, ha, rc, re, orphaned + left);
    if (failed)
        return 1;
    printf("ok\n");
    return 0;
}
