/* The arena's reservation and segment allocation (see arena.h). Segments
 * are handed out by a bump index; multi-segment spans that are given back
 * go on a short first-fit list of free runs, since only huge blocks ever
 * return their segments. A run merges with its neighbours, and one that
 * reaches the bump index lowers it: a program whose one big buffer grows a
 * little at a time would otherwise leave a trail of runs each too small for
 * the next size, and use up the terabyte. */
#include "arena.h"
#include "imem.h"
#include "prim.h"

struct wd_arena wd_arena;

struct run { size_t first, n; };

static struct {
    wd_lock lock;
    size_t next;                 /* first never-used segment */
    struct run *runs;            /* given-back spans */
    size_t nruns, cap;
} ar;

bool arena_init(void)
{
    /* Try a terabyte of address space first (it costs nothing until used),
     * then less, for processes under an address-space limit. */
    for (size_t size = 1UL << 40; size >= (1UL << 32); size >>= 1) {
        void *p = prim_reserve(size, SEG_SIZE);
        if (!p)
            continue;
        size_t nsegs = size >> SEG_SHIFT;
        struct wd_seg *segs = imem_alloc(nsegs * sizeof *segs);
        if (!segs) {
            prim_unmap(p, size);
            return false;
        }
        wd_arena.base = (uintptr_t)p;
        wd_arena.size = size;
        wd_arena.segs = segs;
        wd_arena.nsegs = nsegs;
        return true;
    }
    return false;
}

static long take_from_runs(size_t n)
{
    for (size_t i = 0; i < ar.nruns; i++) {
        struct run *r = &ar.runs[i];
        if (r->n < n)
            continue;
        size_t first = r->first;
        r->first += n;
        r->n -= n;
        if (r->n == 0)
            ar.runs[i] = ar.runs[--ar.nruns];
        return (long)first;
    }
    return -1;
}

long arena_take(size_t n)
{
    long idx;
    prim_lock(&ar.lock);
    idx = take_from_runs(n);
    if (idx < 0 && ar.next + n <= wd_arena.nsegs) {
        idx = (long)ar.next;
        __atomic_store_n(&ar.next, ar.next + n, __ATOMIC_RELEASE);
    }
    prim_unlock(&ar.lock);
    return idx;
}

size_t arena_segs_used(void)
{
    return __atomic_load_n(&ar.next, __ATOMIC_ACQUIRE);
}

/* Takes the runs next to [*first, *first + *n) into it; called locked. */
static void merge_runs(size_t *first, size_t *n)
{
    for (size_t i = 0; i < ar.nruns;) {
        struct run r = ar.runs[i];
        if (r.first + r.n == *first || *first + *n == r.first) {
            *first = r.first < *first ? r.first : *first;
            *n += r.n;
            ar.runs[i] = ar.runs[--ar.nruns];
            i = 0;
        } else {
            i++;
        }
    }
}

void arena_give_back(size_t first, size_t n)
{
    prim_discard((void *)arena_seg_addr(first), n << SEG_SHIFT);
    for (size_t i = 0; i < n; i++)
        wd_arena.segs[first + i].kind = SEG_UNUSED;
    prim_lock(&ar.lock);
    merge_runs(&first, &n);
    if (first + n == ar.next) {
        __atomic_store_n(&ar.next, first, __ATOMIC_RELEASE);
        prim_unlock(&ar.lock);
        return;
    }
    if (ar.nruns == ar.cap) {
        size_t cap = ar.cap ? ar.cap * 2 : 64;
        struct run *r = imem_grow(ar.runs, ar.cap * sizeof *r, cap * sizeof *r);
        if (!r) {                       /* keep the space unused, lose it */
            prim_unlock(&ar.lock);
            return;
        }
        ar.runs = r;
        ar.cap = cap;
    }
    ar.runs[ar.nruns++] = (struct run){ first, n };
    prim_unlock(&ar.lock);
}

void arena_atfork_prepare(void) { prim_lock(&ar.lock); }
void arena_atfork_parent(void)  { prim_unlock(&ar.lock); }
void arena_atfork_child(void)   { prim_lock_reset(&ar.lock); }
