/* The quarantine (see quarantine.h). A batch is one 8 KiB internal chunk
 * holding about a thousand block addresses; blocks are found again by
 * address when they leave, so the batch needs no other bookkeeping. */
#include "quarantine.h"
#include "core.h"
#include "imem.h"
#include "options.h"
#include "prim.h"
#include "threads.h"

#include <stdatomic.h>
#include <string.h>

#define QB_CAP   1020
#define QB_BYTES (1UL << 20)    /* a batch is handed over at 1 MiB */

struct qbatch {
    struct qbatch *next;
    uint64_t bytes;
    uint32_t n;
    uintptr_t user[QB_CAP];
};

static struct {
    wd_lock lock;
    struct qbatch *head, *tail;
    uint64_t bytes;
    struct qbatch *shared;          /* leftovers of threads that ended */
} q;

/* The slots of a batch are handed out again soon after it leaves, most
 * recently released first, and each would be a cache miss then. Fetching
 * them all now, while nothing waits on them, overlaps the misses; a batch
 * is at most a thousand slots, some 400 KiB with their metadata, which an
 * L2 cache of 1 MiB keeps until they are used (cfrac_like: 3.4 -> 2.3 s). */
static void evict_batch(struct qbatch *b)
{
    struct wd_block blk;
    for (uint32_t i = 0; i < b->n; i++)
        if (heap_find((void *)b->user[i], &blk))
            heap_prefetch(&blk);
    for (uint32_t i = 0; i < b->n; i++)
        if (heap_find((void *)b->user[i], &blk))
            core_evict(&blk);
    imem_free(b, sizeof *b);
}

/* Queue a batch, and evict the oldest while over the limit. Eviction runs
 * outside the lock: it touches every evicted block. */
static void commit_batch(struct qbatch *b)
{
    struct qbatch *out = NULL, **tailp = &out;
    uint64_t limit = (uint64_t)wd_opt.quarantine;
    prim_lock(&q.lock);
    b->next = NULL;
    if (q.tail)
        q.tail->next = b;
    else
        q.head = b;
    q.tail = b;
    q.bytes += b->bytes;
    while (q.head && q.bytes > limit) {
        struct qbatch *old = q.head;
        q.head = old->next;
        if (!q.head)
            q.tail = NULL;
        q.bytes -= old->bytes;
        old->next = NULL;
        *tailp = old;
        tailp = &old->next;
    }
    prim_unlock(&q.lock);
    while (out) {
        struct qbatch *next = out->next;
        evict_batch(out);
        out = next;
    }
}

void quarantine_push(const struct wd_block *blk, uint64_t bytes)
{
    struct qbatch *b = wd_tls.qbatch;
    if (!b) {
        b = imem_alloc(sizeof *b);
        if (!b) {                       /* no memory to hold it: reuse now */
            core_evict((struct wd_block *)blk);
            return;
        }
        wd_tls.qbatch = b;
    }
    b->user[b->n++] = blk_user(blk);
    b->bytes += bytes;
    /* A thread past its TSD destructor will not hand its batch over: each
     * free there joins the shared batch at once (committing an 8 KiB batch
     * per block, which the limit does not count, held 800 MB for 100,000
     * threads whose key destructors freed one block each). */
    if (wd_tls.exiting) {
        quarantine_flush_thread();
    } else if (b->n == QB_CAP || b->bytes >= QB_BYTES) {
        wd_tls.qbatch = NULL;
        commit_batch(b);
    }
}

/* A thread that ends hands its partial batch over by merging it into one
 * shared batch: thousands of short threads must not each leave an 8 KiB
 * batch holding one block. */
void quarantine_flush_thread(void)
{
    struct qbatch *b = wd_tls.qbatch, *full = NULL, *big = NULL;
    wd_tls.qbatch = NULL;
    if (!b)
        return;
    prim_lock(&q.lock);
    struct qbatch *s = q.shared;
    if (s && s->n + b->n <= QB_CAP) {
        memcpy(s->user + s->n, b->user, b->n * sizeof *b->user);
        s->n += b->n;
        s->bytes += b->bytes;
    } else {
        full = s;                   /* the old one goes to the queue */
        q.shared = s = b;
        b = NULL;
    }
    /* Full, or holding a large block: counted against the limit now. */
    if (s->n == QB_CAP || s->bytes >= QB_BYTES) {
        big = s;
        q.shared = NULL;
    }
    prim_unlock(&q.lock);
    if (b)
        imem_free(b, sizeof *b);
    if (full)
        commit_batch(full);
    if (big)
        commit_batch(big);
}

/* Without the lock (mallinfo may be called from a signal handler): the
 * queue's count and the caller's own batch; other threads' batches, up to
 * QB_BYTES each, and ended threads' leftovers are not in it. */
uint64_t quarantine_bytes(void)
{
    const struct qbatch *mine = wd_tls.qbatch;
    return __atomic_load_n(&q.bytes, __ATOMIC_RELAXED) + (mine ? mine->bytes : 0);
}

void quarantine_atfork_prepare(void) { prim_lock(&q.lock); }
void quarantine_atfork_parent(void)  { prim_unlock(&q.lock); }
void quarantine_atfork_child(void)   { prim_lock_reset(&q.lock); }
