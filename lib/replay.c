/* The replay (see replay.h). A free names its block's size, stack, owner
 * and coroutine in the trace itself, so the tallies stay right even when
 * the live-block table misses a block (a trace cut short at the start of
 * a fork child, a block allocated before tracing began). */
#include "replay.h"

#include <stdlib.h>
#include <string.h>

#define TOMB UINT64_MAX

static uint64_t slot_of(uint64_t addr, uint64_t cap)
{
    return ((addr >> 4) * 0x9E3779B97F4A7C15ull >> 16) & (cap - 1);
}

static bool grow(struct replay *r)
{
    uint64_t cap = r->cap ? r->cap * 2 : 4096;
    struct rp_block *b = calloc(cap, sizeof *b);
    if (!b)
        return false;
    for (uint64_t i = 0; i < r->cap; i++) {
        struct rp_block *x = &r->blocks[i];
        if (!x->addr || x->addr == TOMB)
            continue;
        uint64_t j = slot_of(x->addr, cap);
        while (b[j].addr)
            j = (j + 1) & (cap - 1);
        b[j] = *x;
    }
    free(r->blocks);
    r->blocks = b;
    r->cap = cap;
    r->used -= r->tombs;
    r->tombs = 0;
    return true;
}

static struct rp_block *find(const struct replay *r, uint64_t addr)
{
    if (!r->cap || !addr || addr == TOMB)
        return NULL;
    for (uint64_t i = slot_of(addr, r->cap);; i = (i + 1) & (r->cap - 1)) {
        if (r->blocks[i].addr == addr)
            return &r->blocks[i];
        if (!r->blocks[i].addr)
            return NULL;
    }
}

static struct rp_block *insert(struct replay *r, uint64_t addr)
{
    if ((r->used + 1) * 2 > r->cap && !grow(r)) {
        r->failed = true;
        return NULL;
    }
    uint64_t i = slot_of(addr, r->cap);
    while (r->blocks[i].addr && r->blocks[i].addr != TOMB && r->blocks[i].addr != addr)
        i = (i + 1) & (r->cap - 1);
    if (!r->blocks[i].addr)
        r->used++;
    else if (r->blocks[i].addr == TOMB)
        r->tombs--;
    memset(&r->blocks[i], 0, sizeof r->blocks[i]);
    r->blocks[i].addr = addr;
    return &r->blocks[i];
}

/* The tally for id; ids the trace never defined (limit) share tally 0. */
static struct rp_tally *tally(struct rp_tally **arr, uint32_t *n, uint32_t id, uint32_t limit,
                              bool *failed)
{
    if (id >= limit)
        id = 0;
    if (id >= *n) {
        uint32_t cap = *n ? *n : 64;
        while (cap <= id)
            cap *= 2;
        struct rp_tally *a = realloc(*arr, cap * sizeof *a);
        if (!a) {
            *failed = true;
            return NULL;
        }
        memset(a + *n, 0, (cap - *n) * sizeof *a);
        *arr = a;
        *n = cap;
    }
    return &(*arr)[id];
}

static void add(struct rp_tally *x, uint64_t size)
{
    if (!x)
        return;
    x->live_bytes += size;
    x->live_blocks++;
    x->allocs++;
    x->total_bytes += size;
    if (x->live_bytes > x->peak_bytes)
        x->peak_bytes = x->live_bytes;
}

static void sub(struct rp_tally *x, uint64_t size)
{
    if (!x)
        return;
    x->live_bytes -= size <= x->live_bytes ? size : x->live_bytes;
    x->live_blocks -= x->live_blocks > 0;
}

int rp_init(struct replay *r, const struct tr_trace *t)
{
    memset(r, 0, sizeof *r);
    r->t = t;
    return 0;
}

void rp_free(struct replay *r)
{
    free(r->sites);
    free(r->owners);
    free(r->coros);
    free(r->blocks);
    memset(r, 0, sizeof *r);
}

static void alloc_block(struct replay *r, const struct tr_event *ev, uint64_t addr,
                        uint64_t size, uint32_t stack, uint32_t owner, uint32_t coro)
{
    struct rp_block *b = insert(r, addr);
    if (b) {
        b->size = size;
        b->ts = ev->ts;
        b->stack = stack;
        b->owner = owner;
        b->coro = coro;
        b->thread = ev->thread;
    }
    r->live_bytes += size;
    r->live_blocks++;
    r->allocs++;
    r->total_bytes += size;
    add(tally(&r->sites, &r->nsites, stack, r->t->nstacks, &r->failed), size);
    add(tally(&r->owners, &r->nowners, owner, r->t->nowners, &r->failed), size);
    add(tally(&r->coros, &r->ncoros, coro, r->t->ncoros, &r->failed), size);
    if (r->live_bytes > r->peak_bytes) {
        r->peak_bytes = r->live_bytes;
        r->peak_blocks = r->live_blocks;
        r->peak_ts = ev->ts;
    }
}

/* The free names the block's size, stack, owner and coroutine. */
static void free_block(struct replay *r, uint64_t addr, uint64_t size, uint32_t stack,
                       uint32_t owner, uint32_t coro)
{
    struct rp_block *b = find(r, addr);
    if (b) {
        if (b->pin_stack)
            r->pinned_live--;
        b->addr = TOMB;
        r->tombs++;
    }
    r->live_bytes -= size <= r->live_bytes ? size : r->live_bytes;
    r->live_blocks -= r->live_blocks > 0;
    r->frees++;
    sub(tally(&r->sites, &r->nsites, stack, r->t->nstacks, &r->failed), size);
    sub(tally(&r->owners, &r->nowners, owner, r->t->nowners, &r->failed), size);
    sub(tally(&r->coros, &r->ncoros, coro, r->t->ncoros, &r->failed), size);
}

void rp_event(struct replay *r, const struct tr_event *ev)
{
    struct rp_block *b;
    r->ts = ev->ts;
    r->events++;
    switch (ev->type) {
    case TR_ALLOC:
        alloc_block(r, ev, ev->addr, ev->size, ev->stack, ev->owner, ev->coro);
        if ((ev->flags & TR_F_PINNED) && (b = find(r, ev->addr)) != NULL) {
            b->pin_stack = ev->stack ? ev->stack : 1;
            r->pinned_live++;
        }
        break;
    case TR_FREE:
        free_block(r, ev->addr, ev->size, ev->stack2, ev->owner, ev->coro2);
        break;
    case TR_REALLOC: {
        /* Resized in place (a pinned block), the block keeps its birth:
         * where, when and by which thread and coroutine it was made. A
         * moved block is made anew by the realloc. */
        struct rp_block was = { 0 };
        bool in_place = ev->addr == ev->addr2, known = (b = find(r, ev->addr)) != NULL;
        if (known)
            was = *b;
        free_block(r, ev->addr, ev->size2, ev->stack2, ev->owner, ev->coro2);
        r->frees--;
        r->allocs--;
        r->reallocs++;
        alloc_block(r, ev, ev->addr2, ev->size, in_place ? ev->stack2 : ev->stack, ev->owner,
                    in_place ? ev->coro2 : ev->coro);
        if ((b = find(r, ev->addr2)) != NULL) {
            if (in_place && known) {
                b->ts = was.ts;
                b->thread = was.thread;
            }
            if (was.pin_stack) {
                b->pin_stack = was.pin_stack;
                r->pinned_live++;
            }
        }
        break;
    }
    case TR_PIN:
        if ((b = find(r, ev->addr)) != NULL && !b->pin_stack) {
            b->pin_stack = ev->stack ? ev->stack : 1;
            r->pinned_live++;
        }
        break;
    case TR_UNPIN:
        if ((b = find(r, ev->addr)) != NULL && b->pin_stack) {
            b->pin_stack = 0;
            r->pinned_live--;
        }
        break;
    case TR_OWNER_SET: {
        sub(tally(&r->owners, &r->nowners, ev->owner, r->t->nowners, &r->failed), ev->size);
        struct rp_tally *to = tally(&r->owners, &r->nowners, ev->owner2, r->t->nowners,
                                    &r->failed);
        if (to) {
            to->live_bytes += ev->size;
            to->live_blocks++;
            if (to->live_bytes > to->peak_bytes)
                to->peak_bytes = to->live_bytes;
        }
        if ((b = find(r, ev->addr)) != NULL)
            b->owner = ev->owner2;
        break;
    }
    }
}

void rp_foreach(const struct replay *r, void (*fn)(const struct rp_block *b, void *arg),
                void *arg)
{
    for (uint64_t i = 0; i < r->cap; i++)
        if (r->blocks[i].addr && r->blocks[i].addr != TOMB)
            fn(&r->blocks[i], arg);
}

struct rp_tally *rp_tally_at(struct replay *r, enum rp_kind kind, uint32_t id)
{
    const struct tr_trace *t = r->t;
    switch (kind) {
    case RP_SITES:
        return tally(&r->sites, &r->nsites, id, t->nstacks, &r->failed);
    case RP_OWNERS:
        return tally(&r->owners, &r->nowners, id, t->nowners, &r->failed);
    case RP_COROS:
        return tally(&r->coros, &r->ncoros, id, t->ncoros, &r->failed);
    }
    return NULL;
}

const struct rp_block *rp_block_at(const struct replay *r, uint64_t addr)
{
    return find(r, addr);
}

int rp_add_block(struct replay *r, const struct rp_block *b)
{
    if (!b->addr || b->addr == TOMB)
        return 0;
    struct rp_block *x = insert(r, b->addr);
    if (!x)
        return -1;
    *x = *b;
    return 0;
}

int rp_replay_all(struct replay *r, const struct tr_trace *t)
{
    struct tr_event ev;
    rp_init(r, t);
    struct tr_iter *it = tr_iter_new(t, 0);
    if (!it)
        return -1;
    while (tr_iter_next(it, &ev))
        rp_event(r, &ev);
    tr_iter_free(it);
    return r->failed ? -1 : 0;
}
