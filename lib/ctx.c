/* Context interning (see ctx.h). Lookups happen at every coroutine switch;
 * each thread remembers its last few pairs, and the shared table, behind
 * a lock, is consulted on a miss. Ids index an array; the hash table
 * starts small and doubles when half full, so a process with few contexts
 * touches few pages.
 *
 * A program that makes a coroutine per request makes a pair per
 * coroutine: ctx_collect gives back the ids of pairs whose coroutine has
 * gone and that no block's metadata names any more, so that the table
 * holds what is alive, not every coroutine ever made. */
#include "ctx.h"
#include "heap.h"
#include "imem.h"
#include "prim.h"

#include <stdatomic.h>
#include <string.h>

#define MAX_CTX   (1u << 24)
#define MIN_BITS  10
#define GC_MIN    (1u << 16)        /* pairs in use before the first collection */

static struct {
    wd_lock lock;
    struct ctx_pair *pairs;         /* a spare id's pair is { UINT32_MAX, 0 } */
    uint32_t *hash;                 /* id + 1, 0 = empty */
    unsigned bits;
    _Atomic uint32_t count;         /* ids handed out: pairs[0, count) */
    uint32_t *spare;                /* ids given back, for reuse */
    uint32_t nspare;
    uint32_t next_gc;               /* collect when count - nspare reaches this */
    wd_lock collecting;             /* one collection at a time */
    _Atomic uint32_t collections;   /* threads' caches of pairs predate a later one */
} cx;

static WD_TLS struct { uint64_t key[8]; uint32_t id[8]; uint32_t collections; } recent;

bool ctx_init(void)
{
    cx.pairs = imem_alloc(MAX_CTX * sizeof *cx.pairs);
    cx.spare = imem_alloc(MAX_CTX * sizeof *cx.spare);
    cx.bits = MIN_BITS;
    cx.hash = imem_alloc(sizeof *cx.hash << cx.bits);
    cx.next_gc = GC_MIN;
    return cx.pairs && cx.spare && cx.hash;
}

static uint32_t slot_of(uint64_t key, unsigned bits)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> (64 - bits));
}

static uint64_t key_of(uint32_t id)
{
    return (uint64_t)cx.pairs[id].thread << 32 | cx.pairs[id].coro;
}

/* Doubles the table; called with the lock held. */
static bool grow(void)
{
    unsigned bits = cx.bits + 1;
    uint32_t *h = imem_alloc(sizeof *h << bits), mask = (1u << bits) - 1;
    if (!h)
        return false;
    for (uint32_t i = 0; i < 1u << cx.bits; i++) {
        uint32_t e = cx.hash[i];
        if (!e)
            continue;
        uint32_t j = slot_of(key_of(e - 1), bits);
        while (h[j])
            j = (j + 1) & mask;
        h[j] = e;
    }
    imem_free(cx.hash, sizeof *cx.hash << cx.bits);
    cx.hash = h;
    cx.bits = bits;
    return true;
}

uint32_t ctx_intern(uint32_t thread, uint32_t coro)
{
    uint64_t key = (uint64_t)thread << 32 | coro;
    unsigned r = (unsigned)(key ^ key >> 29) & 7;
    uint32_t collections = atomic_load_explicit(&cx.collections, memory_order_acquire);
    if (recent.collections != collections) {
        memset(recent.key, 0, sizeof recent.key);
        recent.collections = collections;
    }
    if (recent.key[r] == key + 1)
        return recent.id[r];
    uint32_t id = CTX_NONE;
    prim_lock(&cx.lock);
    if ((atomic_load(&cx.count) - cx.nspare + 1) * 2 > 1u << cx.bits && !grow()) {
        prim_unlock(&cx.lock);
        return CTX_NONE;
    }
    uint32_t mask = (1u << cx.bits) - 1;
    for (uint32_t i = slot_of(key, cx.bits);; i = (i + 1) & mask) {
        uint32_t e = cx.hash[i];
        if (e && cx.pairs[e - 1].thread == thread && cx.pairs[e - 1].coro == coro) {
            id = e - 1;
            break;
        }
        if (!e) {
            if (cx.nspare) {
                id = cx.spare[--cx.nspare];
            } else {
                id = atomic_load(&cx.count);
                if (id >= MAX_CTX) {        /* full: no context */
                    id = CTX_NONE;
                    break;
                }
                atomic_store(&cx.count, id + 1);
            }
            cx.pairs[id] = (struct ctx_pair){ thread, coro };
            cx.hash[i] = id + 1;
            break;
        }
    }
    prim_unlock(&cx.lock);
    if (id != CTX_NONE) {
        recent.key[r] = key + 1;
        recent.id[r] = id;
    }
    return id;
}

/* ---- collection ---- */

struct marks {
    uint64_t *in_use;
    uint32_t n;                     /* ids the collection looks at */
};

static void mark(struct wd_block *b, void *arg)
{
    struct marks *m = arg;
    uint32_t a = b->m->alloc_ctx, f = b->m->free_ctx;
    if (a < m->n)
        m->in_use[a / 64] |= 1ull << (a % 64);
    if (f < m->n)
        m->in_use[f / 64] |= 1ull << (f % 64);
}

static void hash_put(uint32_t id)
{
    uint32_t mask = (1u << cx.bits) - 1;
    uint32_t i = slot_of(key_of(id), cx.bits);
    while (cx.hash[i])
        i = (i + 1) & mask;
    cx.hash[i] = id + 1;
}

static bool bit(const uint64_t *set, uint32_t id)
{
    return set[id / 64] >> (id % 64) & 1;
}

/* Rebuilds the hash without the pairs, among the first n, that were gone
 * and that no block named; pairs made since the collection began stay.
 * Returns the pairs kept. Called locked. */
static uint32_t give_back(uint32_t n, const uint64_t *gone_set, const uint64_t *in_use)
{
    uint32_t kept = 0, now = atomic_load(&cx.count);
    memset(cx.hash, 0, sizeof *cx.hash << cx.bits);
    for (uint32_t id = 0; id < now; id++) {
        if (cx.pairs[id].thread == UINT32_MAX)
            continue;                       /* spare already */
        if (id < n && bit(gone_set, id) && !bit(in_use, id)) {
            cx.pairs[id] = (struct ctx_pair){ UINT32_MAX, 0 };
            cx.spare[cx.nspare++] = id;
            continue;
        }
        hash_put(id);
        kept++;
    }
    return kept;
}

/* The pairs of coroutines already gone are picked before the scan: a gone
 * coroutine runs no more, so no block gets its pair during the scan, and
 * a block that names it did before and is seen. A coroutine that goes
 * during the scan may have stamped slots already scanned: it is left for
 * the next collection. Other threads run meanwhile (ctx_intern too: the
 * ids it takes, spare or new, are live coroutines'); the scan may read a
 * slot half-written, which keeps an id it could have given back. */
void ctx_collect(bool (*gone)(struct ctx_pair p))
{
    if (!prim_trylock(&cx.collecting))
        return;
    prim_lock(&cx.lock);
    uint32_t n = atomic_load(&cx.count);
    bool due = n - cx.nspare >= cx.next_gc;
    prim_unlock(&cx.lock);
    size_t words = (n + 63) / 64;
    uint64_t *gone_set = due ? imem_alloc(2 * words * sizeof *gone_set) : NULL;
    if (!gone_set) {
        prim_unlock(&cx.collecting);
        return;
    }
    struct marks marks = { gone_set + words, n };
    for (uint32_t id = 0; id < n; id++) {
        struct ctx_pair p = cx.pairs[id];
        if (p.thread != UINT32_MAX && gone(p))
            gone_set[id / 64] |= 1ull << (id % 64);
    }
    heap_foreach(mark, &marks);
    prim_lock(&cx.lock);
    uint32_t kept = give_back(n, gone_set, marks.in_use);
    cx.next_gc = kept * 2 > GC_MIN ? kept * 2 : GC_MIN;
    atomic_fetch_add_explicit(&cx.collections, 1, memory_order_release);
    prim_unlock(&cx.lock);
    prim_unlock(&cx.collecting);
    imem_free(gone_set, 2 * words * sizeof *gone_set);
}

uint32_t ctx_live(void)
{
    prim_lock(&cx.lock);
    uint32_t n = atomic_load(&cx.count) - cx.nspare;
    prim_unlock(&cx.lock);
    return n;
}

struct ctx_pair ctx_get(uint32_t ctx)
{
    if (ctx >= atomic_load(&cx.count))
        return (struct ctx_pair){ UINT32_MAX, 0 };
    return cx.pairs[ctx];
}

void ctx_atfork_prepare(void) { prim_lock(&cx.lock); }
void ctx_atfork_parent(void)  { prim_unlock(&cx.lock); }
void ctx_atfork_child(void)
{
    prim_lock_reset(&cx.lock);
    prim_lock_reset(&cx.collecting);    /* a collection elsewhere ends with its thread */
}
