/* The arena: one large reservation of address space, cut into 4 MiB
 * segments. Every block ward hands out lies in it, so "is this ours?" is a
 * range check, and the segment table (out of band, indexed by address)
 * finds any block's slot and metadata in constant time, even from an
 * interior pointer. */
#ifndef WARD_ARENA_H
#define WARD_ARENA_H

#include "common.h"
#include "meta.h"

#define SEG_SHIFT 22
#define SEG_SIZE  (1UL << SEG_SHIFT)

enum seg_kind {
    SEG_UNUSED = 0,
    SEG_SMALL,      /* equal slots of one size class, read-write */
    SEG_PAGES,      /* equal slots of 2^k pages, guarded; cls = k */
    SEG_HUGE,       /* part of one multi-segment slot, guarded */
};

struct wd_seg {
    uintptr_t slot_base;    /* first slot; for SEG_HUGE the span's start */
    uint64_t  slot_size;    /* bytes per slot; for SEG_HUGE the span */
    struct wd_meta *meta;   /* one entry per slot */
    uint64_t  huge_size;    /* SEG_HUGE, in every segment of the span: the */
    uintptr_t huge_user;    /* block's size and address (meta's are 32-bit) */
    uint64_t  div_magic;    /* slot index = (offset * div_magic) >> SEG_DIV_SHIFT; */
    uint32_t  nslots;       /* a division costs tens of cycles on every free */
    uint8_t   kind;
    uint8_t   cls;
    uint8_t   markers;  /* SEG_PAGES: guard pages are page-table markers */
};

/* Division by multiplication: exact for offsets below 2^22 (a segment)
 * and slot sizes below 2^20, since offset * (magic * d - 2^42) < 2^42.
 * Huge spans have one slot; their index is 0 whatever the offset. */
#define SEG_DIV_SHIFT 42
static inline uint64_t seg_div_magic(uint64_t slot_size)
{
    return slot_size < (1UL << 20) ? (1ULL << SEG_DIV_SHIFT) / slot_size + 1 : 0;
}

static inline uint64_t seg_slot_index(const struct wd_seg *s, uintptr_t p)
{
    uint64_t off = p - s->slot_base;
    if (s->div_magic)
        return (off * s->div_magic) >> SEG_DIV_SHIFT;
    return off / s->slot_size;
}

struct wd_arena {
    uintptr_t base;
    size_t    size;
    struct wd_seg *segs;
    size_t    nsegs;
};

extern struct wd_arena wd_arena;

bool arena_init(void);

static inline bool arena_contains(const void *p)
{
    return (uintptr_t)p - wd_arena.base < wd_arena.size;
}

static inline struct wd_seg *arena_seg(const void *p)
{
    return &wd_arena.segs[((uintptr_t)p - wd_arena.base) >> SEG_SHIFT];
}

/* n contiguous segments, still inaccessible; returns the first index or
 * -1 when the arena is exhausted. */
long arena_take(size_t n);
void arena_give_back(size_t first, size_t n);
/* Segments below this index have been handed out at some time; the rest
 * of the segment table was never touched (for the walks at exit: reading
 * all of it, 14 MiB, cost every short process 3,600 page faults). */
size_t arena_segs_used(void);
static inline uintptr_t arena_seg_addr(size_t idx)
{
    return wd_arena.base + (idx << SEG_SHIFT);
}

void arena_atfork_prepare(void);
void arena_atfork_parent(void);
void arena_atfork_child(void);

#endif
