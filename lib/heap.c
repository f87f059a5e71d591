/* Size classes, page slots and per-thread caches (see heap.h).
 *
 * A small slot of class c is cls_slot[c] bytes: a 16-byte left redzone,
 * the block, and at least 16 bytes of right redzone. Classes step by 16
 * bytes up to 512, then by quarters of a power of two, so the rounding
 * waste stays under 25%.
 *
 * A page slot of class k is 2^k pages. Only the pages the block touches
 * are made accessible; everything else in the slot stays inaccessible and
 * is the block's guard on both sides. Where the kernel has guard markers,
 * a page segment is one read-write mapping whose unused pages are marked
 * (a block costs two madvise calls and no mapping of its own); elsewhere
 * the segment is PROT_NONE and a block's pages are a mapping over it. */
#include "heap.h"
#include "imem.h"
#include "options.h"
#include "prim.h"

#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#define NPCLS     10                /* 2^1 .. 2^10 pages: 8 KiB to a segment */

struct pool {
    wd_lock   lock;
    uintptr_t *free;                /* reusable slots, LIFO */
    size_t    nfree, cap;
    uintptr_t bump, bump_end;       /* untouched slots in the newest segment */
};

static struct {
    uint32_t    cls_slot[HEAP_NCLS];
    struct pool small[HEAP_NCLS];
    struct pool pages[NPCLS];
    _Atomic long guarded_live;      /* blocks with mappings of their own */
    _Atomic bool claims;            /* freed blocks may be claimed by others
                                       (see heap_claims_on) */
    long        guard_budget;
    _Atomic long marked_bytes;      /* what guarding costs in marker segments */
    long        marked_budget;
    _Atomic bool no_markers;        /* the kernel refused them once */
    /* A huge block's metadata sits at a fixed place per first segment,
     * never freed: a late free racing with the block's release then still
     * finds metadata, never someone else's. Reserved at start (imem pages
     * cost nothing until touched), so that no lock guards its making. */
    struct wd_meta *huge_metas;
} hp;

/* The slots a thread's cache of class c holds at most; it is refilled
 * and emptied half of that at a time. */
static unsigned tc_cap(unsigned c)
{
    return hp.cls_slot[c] <= TC_BIG ? TC_MAX : TC_MAX / 2;
}

static uint32_t class_slot_size(unsigned c)
{
    if (c < 30)
        return 48 + 16 * c;
    unsigned lg = 9 + (c - 30) / 4, q = (c - 30) % 4 + 1;
    return (1u << lg) + q * (1u << (lg - 2));
}

static unsigned class_of(size_t need)
{
    if (need <= 512)
        return need <= 48 ? 0 : (unsigned)((need - 48 + 15) / 16);
    unsigned lg = 63 - (unsigned)__builtin_clzl(need - 1);
    size_t quarter = (1UL << lg) / 4;
    unsigned q = (unsigned)((need - (1UL << lg) + quarter - 1) / quarter);
    return 30 + (lg - 9) * 4 + (q - 1);
}

bool heap_init(void)
{
    for (unsigned c = 0; c < HEAP_NCLS; c++)
        hp.cls_slot[c] = class_slot_size(c);
    /* Leave a quarter of the kernel's map budget to the program. */
    hp.guard_budget = prim_max_map_count() * 3 / 8;
    /* A guarded block holds whole pages: a quarter of the machine's memory
     * spent on what rounding to pages adds is as far as guarding goes. */
    long phys = prim_phys_pages();
    hp.marked_budget = (phys > 0 ? phys / 4 : 1L << 20) * (long)WD_PAGE;
    hp.huge_metas = imem_alloc(wd_arena.nsegs * sizeof *hp.huge_metas);
    return hp.cls_slot[HEAP_NCLS - 1] == HEAP_SMALL_MAX;
}

/* A new segment for a pool; called with the pool locked. */
static bool pool_new_segment(struct pool *p, uint8_t kind, uint8_t cls,
                             uint64_t slot_size)
{
    long idx = arena_take(1);
    if (idx < 0)
        return false;
    uintptr_t base = arena_seg_addr((size_t)idx);
    uint32_t nslots = (uint32_t)(SEG_SIZE / slot_size);
    struct wd_meta *meta = imem_alloc(nslots * sizeof *meta);
    if (!meta || (kind == SEG_SMALL && !prim_commit((void *)base, SEG_SIZE))) {
        imem_free(meta, nslots * sizeof *meta);
        arena_give_back((size_t)idx, 1);
        return false;
    }
    struct wd_seg *s = &wd_arena.segs[idx];
    s->markers = 0;
    if (kind == SEG_PAGES && wd_opt.guard_markers && !atomic_load(&hp.no_markers)) {
        s->markers = (uint8_t)prim_markers_space((void *)base, SEG_SIZE);
        if (!s->markers)
            atomic_store(&hp.no_markers, true);
    }
    s->slot_base = base;
    s->slot_size = slot_size;
    s->div_magic = seg_div_magic(slot_size);
    s->meta = meta;
    s->nslots = nslots;
    s->cls = cls;
    atomic_store_explicit((_Atomic uint8_t *)&s->kind, kind, memory_order_release);
    p->bump = base;
    p->bump_end = base + (uint64_t)nslots * slot_size;
    return true;
}

/* Take up to want slots from a pool into out; returns how many. */
static unsigned pool_take(struct pool *p, uint8_t kind, uint8_t cls,
                          uint64_t slot_size, uintptr_t *out, unsigned want)
{
    unsigned got = 0;
    prim_lock(&p->lock);
    while (got < want && p->nfree)
        out[got++] = p->free[--p->nfree];
    while (got < want) {
        if (p->bump + slot_size > p->bump_end &&
            !pool_new_segment(p, kind, cls, slot_size))
            break;
        out[got++] = p->bump;
        p->bump += slot_size;
    }
    prim_unlock(&p->lock);
    return got;
}

/* Puts up to n slots back under one lock; returns how many it took
 * (fewer only when there is no memory to track them). */
static unsigned pool_put_many(struct pool *p, const uintptr_t *slot, unsigned n)
{
    prim_lock(&p->lock);
    if (p->nfree + n > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        while (cap < p->nfree + n)
            cap *= 2;
        uintptr_t *f = imem_grow(p->free, p->cap * sizeof *f, cap * sizeof *f);
        if (f) {
            p->free = f;
            p->cap = cap;
        } else {
            n = (unsigned)(p->cap - p->nfree);
        }
    }
    memcpy(p->free + p->nfree, slot, n * sizeof *slot);
    p->nfree += n;
    prim_unlock(&p->lock);
    return n;
}

/* A slot the pool cannot track is lost (to the program: ward has no
 * memory left to say where it is). */
static void pool_put(struct pool *p, uintptr_t slot)
{
    pool_put_many(p, &slot, 1);
}

static void fill_block(struct wd_block *b, uintptr_t slot)
{
    struct wd_seg *s = arena_seg((void *)slot);
    b->seg = s;
    b->slot = slot;
    b->slot_size = s->slot_size;
    b->m = &s->meta[seg_slot_index(s, slot)];
}

/* A slot that left the quarantine is cold: its metadata and the start of
 * its poison are read when it is handed out. Always inlined: gcc 12 finds
 * an outlined copy free of side effects (prefetches are only hints) and
 * deletes its calls; one line more in it did that, and cfrac_like ran 40%
 * slower with nothing to show why. */
static inline __attribute__((always_inline)) void prefetch_lines(const struct wd_meta *m,
                                                                 uintptr_t slot,
                                                                 uint64_t slot_size)
{
    __builtin_prefetch(m, 1);
    for (unsigned i = 0; i < 256 + HEAP_REDZONE && i < slot_size; i += 64)
        __builtin_prefetch((const char *)slot + i, 1);
}

static void prefetch_slot(uintptr_t slot)
{
    struct wd_seg *s = arena_seg((void *)slot);
    prefetch_lines(&s->meta[seg_slot_index(s, slot)], slot, s->slot_size);
}

void heap_prefetch(const struct wd_block *b)
{
    if (b->seg->kind == SEG_SMALL)
        prefetch_lines(b->m, b->slot, b->slot_size);
}

void heap_prefetch_free(const void *p)
{
    struct wd_block b;
    if (!heap_find(p, &b) || b.seg->kind != SEG_SMALL)
        return;
    __builtin_prefetch(b.m, 1);
    __builtin_prefetch((const char *)b.slot, 1);
    __builtin_prefetch(p, 1);
}

/* Small blocks: a slot of the class that fits size, alignment slack and
 * both redzones. */
static bool small_take(struct wd_tcache *tc, size_t size, size_t align, struct wd_block *b)
{
    size_t need = size + 2 * HEAP_REDZONE + (align > 16 ? align - 16 : 0);
    unsigned c = class_of(need);
    uintptr_t slot;
    if (tc) {
        if (tc->n[c] == 0)
            tc->n[c] = pool_take(&hp.small[c], SEG_SMALL, (uint8_t)c,
                                 hp.cls_slot[c], tc->slot[c], tc_cap(c) / 2);
        if (tc->n[c] == 0)
            return false;
        slot = tc->slot[c][--tc->n[c]];
        if (tc->n[c])
            prefetch_slot(tc->slot[c][tc->n[c] - 1]);
    } else if (!pool_take(&hp.small[c], SEG_SMALL, (uint8_t)c, hp.cls_slot[c], &slot, 1)) {
        return false;
    }
    fill_block(b, slot);
    return true;
}

/* Where a guarded block goes in a slot of slot_size bytes, as an offset
 * from the slot's start, or 0 if it does not fit with a guard page on each
 * side. The slot's alignment must be at least align. */
static uint64_t guarded_offset(uint64_t slot_size, size_t size, size_t align, bool below)
{
    if (slot_size < 3 * WD_PAGE || size > slot_size - 2 * WD_PAGE)
        return 0;
    uint64_t off = below ? WD_ALIGN_UP(WD_PAGE, align)
                         : WD_ALIGN_DOWN(slot_size - WD_PAGE - size, align);
    if (off < WD_PAGE || off + size > slot_size - WD_PAGE)
        return 0;
    return off;
}

static struct wd_meta *huge_meta(size_t first)
{
    return hp.huge_metas ? &hp.huge_metas[first] : NULL;
}

void heap_huge_set(const struct wd_block *b, uintptr_t user, uint64_t size)
{
    size_t first = (b->slot - wd_arena.base) >> SEG_SHIFT, n = b->slot_size >> SEG_SHIFT;
    for (size_t i = 0; i < n; i++) {
        wd_arena.segs[first + i].huge_user = user;
        wd_arena.segs[first + i].huge_size = size;
    }
}

static bool huge_take(size_t size, size_t align, struct wd_block *b)
{
    if (size > (1UL << 46) || align > (1UL << 40))
        return false;
    size_t nsegs = (size + align + 2 * WD_PAGE + SEG_SIZE - 1) >> SEG_SHIFT;
    long idx = arena_take(nsegs);
    if (idx < 0)
        return false;
    struct wd_meta *meta = huge_meta((size_t)idx);
    if (!meta) {
        arena_give_back((size_t)idx, nsegs);
        return false;
    }
    memset(meta, 0, sizeof *meta);
    uintptr_t base = arena_seg_addr((size_t)idx);
    uint64_t span = (uint64_t)nsegs << SEG_SHIFT;
    for (size_t i = 0; i < nsegs; i++) {
        struct wd_seg *s = &wd_arena.segs[idx + (long)i];
        s->slot_base = base;
        s->slot_size = span;
        s->div_magic = 0;
        s->meta = meta;
        s->nslots = 1;
        s->markers = 0;             /* a span's pages are mappings of their own */
        atomic_store_explicit((_Atomic uint8_t *)&s->kind, SEG_HUGE, memory_order_release);
    }
    b->seg = &wd_arena.segs[idx];
    b->m = meta;
    b->slot = base;
    b->slot_size = span;
    return true;
}

/* Guarded blocks: the smallest page class whose slots fit the block and
 * two guard pages, or a span of segments. */
static bool guarded_take(size_t size, size_t align, bool below, struct wd_block *b)
{
    for (unsigned k = 1; k <= NPCLS; k++) {
        uint64_t slot_size = WD_PAGE << k;
        uintptr_t slot;
        if (slot_size < align || !guarded_offset(slot_size, size, align, below))
            continue;
        if (!pool_take(&hp.pages[k - 1], SEG_PAGES, (uint8_t)k, slot_size, &slot, 1))
            return false;
        fill_block(b, slot);
        return true;
    }
    return huge_take(size, align, b);
}

bool heap_take(struct wd_tcache *tc, size_t size, size_t align, bool guarded,
               bool below, struct wd_block *b)
{
    if (size > (1UL << 46) || align > HEAP_ALIGN_MAX)  /* more than the arena holds */
        return false;
    if (!guarded && size + 2 * HEAP_REDZONE + (align > 16 ? align - 16 : 0) <= HEAP_SMALL_MAX)
        return small_take(tc, size, align, b);
    return guarded_take(size, align, below, b);
}

/* Pages of a page slot made usable or inaccessible again, by the
 * segment's means (see the top of this file). */
static bool span_open(const struct wd_seg *s, uintptr_t lo, uintptr_t hi)
{
    return s->markers ? prim_unmark((void *)lo, hi - lo) : prim_commit((void *)lo, hi - lo);
}

/* False if the pages stay accessible: the kernel refuses markers in
 * locked memory (mlock, mlockall). Unlocking the range would take a lock
 * the program asked for from the next block placed there, and split the
 * segment's mapping for every freed block; closing it with a mapping
 * instead makes mappings that, without a record per slot, could not be
 * counted against the kernel's limit. */
static bool span_close(const struct wd_seg *s, uintptr_t lo, uintptr_t hi)
{
    if (!s->markers)
        return prim_discard((void *)lo, hi - lo);
    return prim_mark((void *)lo, hi - lo);
}

/* What guarding a block of size bytes on pages [lo, hi) costs in memory:
 * the rest of its pages. */
static long guard_cost(uintptr_t lo, uintptr_t hi, uint64_t size)
{
    return (long)(hi - lo) - (long)size;
}

/* A guarded block placed (sign 1) or retired (sign -1) counts against the
 * kernel's map budget if it has a mapping of its own, and its cost
 * against the memory budget if it is marked. */
static void guard_count(const struct wd_seg *s, int sign, long cost)
{
    if (s->markers)
        atomic_fetch_add_explicit(&hp.marked_bytes, sign * cost, memory_order_relaxed);
    else
        atomic_fetch_add_explicit(&hp.guarded_live, sign, memory_order_relaxed);
}

/* A page slot left read-write by an unguarded block (see heap_place). */
static bool slot_open(const struct wd_block *b)
{
    return b->seg->kind == SEG_PAGES && b->m->state != BS_FREE && !(b->m->flags & BF_GUARDED);
}

/* The slot goes back to the pool as it was, so its history and its
 * protection still agree. */
static uintptr_t place_failed(struct wd_block *b, const struct wd_meta *was)
{
    *b->m = *was;
    heap_release(NULL, b);
    return 0;
}

uintptr_t heap_place(struct wd_block *b, size_t size, size_t align, bool below, bool guarded)
{
    struct wd_meta *m = b->m;
    uintptr_t user, end = b->slot + b->slot_size;
    bool open = slot_open(b);
    struct wd_meta was;
    if (WD_UNLIKELY(atomic_load_explicit(&hp.claims, memory_order_relaxed))) {
        /* A coroutine's yield may hold the freed block claimed while it
         * poisons it again (core_check_freed): wait for it. */
        _Atomic uint8_t *state = (_Atomic uint8_t *)&m->state;
        uint8_t st;
        /* A claim lasts a memset, with the claimer's signals blocked; if
         * its thread is off the CPU, let it run. */
        for (unsigned spins = 0;; spins++) {
            st = atomic_load_explicit(state, memory_order_acquire);
            if (st != BS_BUSY &&
                atomic_compare_exchange_weak_explicit(state, &st, BS_BUSY, memory_order_acquire,
                                                      memory_order_relaxed))
                break;
            if (spins % 64 == 63)
                sched_yield();
            else
                __builtin_ia32_pause();
        }
        was = *m;
        was.state = st;
    } else {
        was = *m;
        atomic_store_explicit((_Atomic uint8_t *)&m->state, BS_BUSY, memory_order_relaxed);
    }
    m->flags = 0;
    if (b->seg->kind == SEG_SMALL) {
        user = WD_ALIGN_UP(b->slot + HEAP_REDZONE, align);
    } else if (!guarded) {
        /* Past the kernel's map budget, large blocks go unguarded: their
         * slot is made read-write whole, so it merges with its neighbours
         * into one mapping, and stays so after free. */
        user = WD_ALIGN_DOWN(end - size, align);
        if (!open && !span_open(b->seg, b->slot, end))
            return place_failed(b, &was);
    } else {
        /* A span is aligned to its segment only: place by address. */
        user = below ? WD_ALIGN_UP(b->slot + WD_PAGE, align)
                     : WD_ALIGN_DOWN(end - WD_PAGE - size, align);
        uintptr_t lo = WD_ALIGN_DOWN(user, WD_PAGE), hi = WD_ALIGN_UP(user + size, WD_PAGE);
        if (open) {
            span_close(b->seg, b->slot, end);
            was.state = BS_FREE;            /* closed again: nothing to check */
        }
        if (hi > lo && !span_open(b->seg, lo, hi))
            return place_failed(b, &was);
        m->flags = BF_GUARDED;
        guard_count(b->seg, 1, guard_cost(lo, hi, size));
    }
    if (b->seg->kind == SEG_HUGE)
        heap_huge_set(b, user, size);
    else
        m->off = (uint32_t)(user - b->slot);
    m->size = (uint32_t)size;
    return user;
}

bool heap_find(const void *p, struct wd_block *b)
{
    if (!arena_contains(p))
        return false;
    struct wd_seg *s = arena_seg(p);
    uint8_t kind = atomic_load_explicit((_Atomic uint8_t *)&s->kind, memory_order_acquire);
    if (kind == SEG_UNUSED)
        return false;
    uint64_t i = seg_slot_index(s, (uintptr_t)p);
    if (i >= s->nslots)
        return false;               /* the tail of a segment no slot covers */
    b->seg = s;
    b->m = &s->meta[i];
    b->slot = s->slot_base + i * s->slot_size;
    b->slot_size = s->slot_size;
    return true;
}

void heap_span(const struct wd_block *b, uintptr_t *lo, uintptr_t *hi)
{
    if (b->seg->kind == SEG_SMALL) {
        *lo = b->slot;
        *hi = b->slot + b->slot_size;
    } else if (!(b->m->flags & BF_GUARDED)) {
        /* An unguarded block sits at the top of its slot or span: a page
         * below it at most is its left redzone (a block aligned to 1 GiB
         * sits atop a span of 1 GiB, all of which would be). */
        uintptr_t user = blk_user(b);
        *lo = user - (user - b->slot < WD_PAGE ? user - b->slot : WD_PAGE);
        *hi = b->slot + b->slot_size;
    } else {
        uintptr_t user = blk_user(b);
        *lo = WD_ALIGN_DOWN(user, WD_PAGE);
        *hi = WD_ALIGN_UP(user + blk_size(b), WD_PAGE);
    }
}

bool heap_resize_in_place(struct wd_block *b, uint64_t size)
{
    uintptr_t user = blk_user(b), end = b->slot + b->slot_size;
    if (b->seg->kind == SEG_SMALL) {
        if (user + size + HEAP_REDZONE > end)
            return false;
        blk_set_size(b, size);
        return true;
    }
    if (!(b->m->flags & BF_GUARDED)) {
        /* Its whole slot is open, and stays so (see heap_place). */
        if (user + size > end)
            return false;
        blk_set_size(b, size);
        return true;
    }
    if (user + size > end - WD_PAGE)
        return false;
    uintptr_t old_hi = WD_ALIGN_UP(user + blk_size(b), WD_PAGE);
    uintptr_t new_hi = WD_ALIGN_UP(user + size, WD_PAGE);
    uintptr_t lo = WD_ALIGN_DOWN(user, WD_PAGE);
    long was = guard_cost(lo, old_hi, blk_size(b));
    if (new_hi > old_hi) {
        uintptr_t from = old_hi > lo ? old_hi : lo;
        if (new_hi > from && !span_open(b->seg, from, new_hi))
            return false;
    } else if (new_hi < old_hi) {
        uintptr_t from = new_hi > lo ? new_hi : lo;
        span_close(b->seg, from, old_hi);
    }
    if (b->seg->markers)
        atomic_fetch_add_explicit(&hp.marked_bytes, guard_cost(lo, new_hi, size) - was,
                                  memory_order_relaxed);
    blk_set_size(b, size);
    return true;
}

/* Closes a retired block's pages. The kernel keeps the bytes of pages it
 * will not close (locked memory refuses guard markers), and calloc takes
 * a page slot's pages to come back zeroed: those pages are zeroed here,
 * one page at a time, since the rest of the range may be closed already.
 * Returns whether every page closed. */
static bool span_close_or_zero(const struct wd_seg *s, uintptr_t lo, uintptr_t hi)
{
    if (span_close(s, lo, hi))
        return true;
    for (uintptr_t p = lo; p < hi; p += WD_PAGE)
        if (!span_close(s, p, p + WD_PAGE))
            memset((void *)p, 0, WD_PAGE);
    return false;
}

bool heap_retire(const struct wd_block *b)
{
    uintptr_t lo, hi;
    bool closed = true;
    if (b->seg->kind == SEG_SMALL)
        return true;
    if (!(b->m->flags & BF_GUARDED)) {
        /* Locked pages refuse MADV_DONTNEED too; the slot stays open. */
        if (madvise((void *)b->slot, b->slot_size, MADV_DONTNEED) != 0)
            memset((void *)b->slot, 0, b->slot_size);
        return true;
    }
    heap_span(b, &lo, &hi);
    if (hi > lo)
        closed = span_close_or_zero(b->seg, lo, hi);
    /* Its pages now merge with the guards around them: the freed block
     * holds no mapping or memory of its own, however long it stays in
     * quarantine. */
    guard_count(b->seg, -1, guard_cost(lo, hi, blk_size(b)));
    return closed;
}

void heap_release(struct wd_tcache *tc, const struct wd_block *b)
{
    struct wd_seg *s = b->seg;
    if (s->kind == SEG_SMALL) {
        unsigned c = s->cls;
        if (!tc) {
            pool_put(&hp.small[c], b->slot);
            return;
        }
        /* A full cache hands its older half back in one go: a quarantine
         * batch releases a thousand slots at once. */
        unsigned cap = tc_cap(c);
        if (tc->n[c] == cap) {
            unsigned k = pool_put_many(&hp.small[c], tc->slot[c], cap / 2);
            memmove(tc->slot[c], tc->slot[c] + k, (cap - k) * sizeof **tc->slot);
            tc->n[c] -= k;
            if (tc->n[c] == cap) {
                pool_put(&hp.small[c], b->slot);
                return;
            }
        }
        tc->slot[c][tc->n[c]++] = b->slot;
        return;
    }
    if (s->kind == SEG_PAGES) {
        pool_put(&hp.pages[s->cls - 1], b->slot);
        return;
    }
    size_t first = (b->slot - wd_arena.base) >> SEG_SHIFT;
    arena_give_back(first, b->slot_size >> SEG_SHIFT);
}

void heap_tcache_flush(struct wd_tcache *tc)
{
    for (unsigned c = 0; c < HEAP_NCLS; c++) {
        if (tc->n[c])
            pool_put_many(&hp.small[c], tc->slot[c], tc->n[c]);
        tc->n[c] = 0;
    }
}

/* Slots of s handed out so far: all of them, unless s is its pool's
 * newest segment. The metadata of slots never handed out is memory never
 * touched, and reading it maps it page by page (the suite's python3 and
 * its shell shims: 180,000 page faults at exit). A bump pointer equal to
 * s's start is the end of the segment below, full, which may be the
 * pool's newest (segments given back are taken again first): s is then
 * read whole. The pointer is read once: a thread the stop missed may
 * still move it. */
static uint32_t slots_used(const struct wd_seg *s)
{
    const struct pool *p = s->kind == SEG_SMALL ? &hp.small[s->cls]
                         : s->kind == SEG_PAGES ? &hp.pages[s->cls - 1] : NULL;
    uintptr_t bump = p ? __atomic_load_n(&p->bump, __ATOMIC_RELAXED) : 0;
    if (bump > s->slot_base && bump < s->slot_base + (uint64_t)s->nslots * s->slot_size)
        return (uint32_t)((bump - s->slot_base) / s->slot_size);
    return s->nslots;
}

void heap_foreach(void (*fn)(struct wd_block *b, void *arg), void *arg)
{
    size_t nsegs = arena_segs_used();
    for (size_t i = 0; i < nsegs; i++) {
        struct wd_seg *s = &wd_arena.segs[i];
        uint8_t kind = atomic_load_explicit((_Atomic uint8_t *)&s->kind, memory_order_acquire);
        if (kind == SEG_UNUSED || (kind == SEG_HUGE && s->slot_base != arena_seg_addr(i)))
            continue;
        uint32_t used = slots_used(s);
        for (uint32_t k = 0; k < used; k++) {
            struct wd_block b = { s, &s->meta[k], s->slot_base + k * s->slot_size, s->slot_size };
            if (b.m->state != BS_FREE)
                fn(&b, arg);
        }
    }
}

enum heap_guard_limit heap_guard_limit(void)
{
    if (atomic_load_explicit(&hp.guarded_live, memory_order_relaxed) >= hp.guard_budget)
        return HEAP_LIMIT_MAPS;
    if (atomic_load_explicit(&hp.marked_bytes, memory_order_relaxed) >= hp.marked_budget)
        return HEAP_LIMIT_MEMORY;
    return HEAP_LIMIT_NONE;
}

void heap_claims_on(void)
{
    atomic_store_explicit(&hp.claims, true, memory_order_relaxed);
}

void heap_count_mapping(int sign)
{
    atomic_fetch_add_explicit(&hp.guarded_live, sign, memory_order_relaxed);
}

long heap_marked_bytes(void)
{
    return atomic_load_explicit(&hp.marked_bytes, memory_order_relaxed);
}

/* Pool locks are taken in one fixed order so that fork can hold them all. */
void heap_atfork_prepare(void)
{
    for (unsigned c = 0; c < HEAP_NCLS; c++)
        prim_lock(&hp.small[c].lock);
    for (unsigned k = 0; k < NPCLS; k++)
        prim_lock(&hp.pages[k].lock);
}

void heap_atfork_parent(void)
{
    for (unsigned k = NPCLS; k-- > 0;)
        prim_unlock(&hp.pages[k].lock);
    for (unsigned c = HEAP_NCLS; c-- > 0;)
        prim_unlock(&hp.small[c].lock);
}

void heap_atfork_child(void)
{
    for (unsigned c = 0; c < HEAP_NCLS; c++)
        prim_lock_reset(&hp.small[c].lock);
    for (unsigned k = 0; k < NPCLS; k++)
        prim_lock_reset(&hp.pages[k].lock);
}
