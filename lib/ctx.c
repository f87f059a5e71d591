/* Context interning (see ctx.h). Lookups happen at every coroutine switch;
 * each thread remembers its last few pairs, and the shared table, behind
 * a lock, is consulted on a miss. Ids index an array that only grows; the
 * hash table starts small and doubles when half full, so a process with
 * few contexts touches few pages. */
#include "ctx.h"
#include "imem.h"
#include "prim.h"

#include <stdatomic.h>

#define MAX_CTX   (1u << 24)
#define MIN_BITS  10

static struct {
    wd_lock lock;
    struct ctx_pair *pairs;
    uint32_t *hash;                 /* id + 1, 0 = empty */
    unsigned bits;
    _Atomic uint32_t count;
} cx;

static WD_TLS struct { uint64_t key[8]; uint32_t id[8]; } recent;

bool ctx_init(void)
{
    cx.pairs = imem_alloc(MAX_CTX * sizeof *cx.pairs);
    cx.bits = MIN_BITS;
    cx.hash = imem_alloc(sizeof *cx.hash << cx.bits);
    return cx.pairs && cx.hash;
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
    if (recent.key[r] == key + 1)
        return recent.id[r];
    uint32_t id = CTX_NONE;
    prim_lock(&cx.lock);
    if ((atomic_load(&cx.count) + 1) * 2 > 1u << cx.bits && !grow()) {
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
            id = atomic_load(&cx.count);
            if (id >= MAX_CTX) {            /* full: the thread alone */
                id = CTX_NONE;
                break;
            }
            cx.pairs[id] = (struct ctx_pair){ thread, coro };
            cx.hash[i] = id + 1;
            atomic_store(&cx.count, id + 1);
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

struct ctx_pair ctx_get(uint32_t ctx)
{
    if (ctx >= atomic_load(&cx.count))
        return (struct ctx_pair){ UINT32_MAX, 0 };
    return cx.pairs[ctx];
}

void ctx_atfork_prepare(void) { prim_lock(&cx.lock); }
void ctx_atfork_parent(void)  { prim_unlock(&cx.lock); }
void ctx_atfork_child(void)   { prim_lock_reset(&cx.lock); }
