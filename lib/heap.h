/* Where blocks live. Small blocks sit in slots of fixed size classes with a
 * redzone on each side; guarded blocks get pages of their own with an
 * inaccessible page on each side. The heap knows nothing of stacks, owners
 * or reports: it places blocks and finds them again by address. */
#ifndef WARD_HEAP_H
#define WARD_HEAP_H

#include "arena.h"

#define HEAP_NCLS      66
#define HEAP_SMALL_MAX (1UL << 18)      /* largest small slot */
#define HEAP_ALIGN_MAX (1UL << 40)      /* largest alignment heap_take places */
#define HEAP_REDZONE   16               /* minimum on each side */
#define TC_MAX         64
#define TC_BIG         4096

/* Per-thread free-slot caches, so most allocations take no lock: up to
 * TC_MAX slots of a class of at most TC_BIG bytes, half that above (a
 * thread then holds at most 8 MiB of a class's slots, as before). 64 and
 * not 32: with the quarantine, every free and allocation goes through
 * its class's shared pool a batch at a time, and a pool's lock and lines
 * moved between cores each time (larson, malloc_heavy and xmalloc 7-10%
 * faster). */
struct wd_tcache {
    uint32_t n[HEAP_NCLS];
    uintptr_t slot[HEAP_NCLS][TC_MAX];
};

/* A block found by address. */
struct wd_block {
    struct wd_seg  *seg;
    struct wd_meta *m;
    uintptr_t slot;
    uint64_t  slot_size;
};

bool heap_init(void);

/* Allocation is two steps, so that the caller can look at what the slot
 * held before (a freed block whose poison it may want to check) before it
 * is overwritten.
 *
 * heap_take finds a slot for a block of size bytes aligned to align (a
 * power of two >= 16): guarded, with pages of its own between guard pages,
 * or small. Its metadata still describes the slot's previous block.
 * heap_place then places the block (below: against the lower guard page
 * instead of the upper one), making its pages accessible, and sets the
 * metadata's offset, size and flags; the caller sets everything else.
 * A block too large for the small classes that may not be guarded (the
 * kernel's map budget is spent) gets an all-accessible page slot.
 * Each returns false / 0 when out of memory (heap_place gives the slot
 * back). */
bool heap_take(struct wd_tcache *tc, size_t size, size_t align, bool guarded,
               bool below, struct wd_block *b);
uintptr_t heap_place(struct wd_block *b, size_t size, size_t align, bool below, bool guarded);

/* The slot containing p, live or not; false if p is not in any slot. */
bool heap_find(const void *p, struct wd_block *b);

static inline uintptr_t blk_user(const struct wd_block *b)
{
    return b->seg->kind == SEG_HUGE ? b->seg->huge_user : b->slot + b->m->off;
}

static inline uint64_t blk_size(const struct wd_block *b)
{
    return b->seg->kind == SEG_HUGE ? b->seg->huge_size : b->m->size;
}

/* A huge block's size and address live in every segment of its span. */
void heap_huge_set(const struct wd_block *b, uintptr_t user, uint64_t size);

static inline void blk_set_size(struct wd_block *b, uint64_t size)
{
    if (b->seg->kind == SEG_HUGE)
        heap_huge_set(b, blk_user(b), size);
    b->m->size = (uint32_t)size;
}

/* Resizes a block where it is, if its slot has room (keeping a redzone or
 * a guard page after it); false otherwise. The caller refills the
 * redzones. */
bool heap_resize_in_place(struct wd_block *b, uint64_t size);

/* The accessible bytes around the block, [lo, hi): its redzones are
 * [lo, user) and [user + size, hi). */
void heap_span(const struct wd_block *b, uintptr_t *lo, uintptr_t *hi);

/* A guarded block that is freed loses its pages at once, so any access to
 * it faults while it waits in quarantine. False if they stay accessible
 * (the kernel refused; see prim_mark). */
bool heap_retire(const struct wd_block *b);

/* Starts fetching what handing the slot out again reads first. */
void heap_prefetch(const struct wd_block *b);

/* Starts fetching what freeing the block at p touches first (its
 * metadata, its first redzone and first bytes), so that the misses
 * overlap the unwinding of the free's stack. */
void heap_prefetch_free(const void *p);

/* The slot may be reused. tc may be NULL. */
void heap_release(struct wd_tcache *tc, const struct wd_block *b);

/* Give a dying thread's cached slots back. */
void heap_tcache_flush(struct wd_tcache *tc);

/* Calls fn for every slot that has ever held a block. For the exit-time
 * checks, with other threads stopped; beside running threads only if fn
 * merely reads, and can bear a slot read half-written (metadata is never
 * unmapped). */
void heap_foreach(void (*fn)(struct wd_block *b, void *arg), void *arg);

/* Why no more blocks should be guarded: blocks with mappings of their own
 * have used most of vm.max_map_count, or marked ones (which cost no
 * mapping) spend a quarter of the machine's memory on the rest of their
 * pages. The caller then places new blocks unguarded until some are
 * freed. heap_marked_bytes is that memory now. */
enum heap_guard_limit { HEAP_LIMIT_NONE, HEAP_LIMIT_MAPS, HEAP_LIMIT_MEMORY };
enum heap_guard_limit heap_guard_limit(void);

/* A mapping ward made outside the heap's own (a coroutine stack's guard
 * page by mprotect) counts against the kernel's map budget too. */
void heap_count_mapping(int sign);

/* From now on freed blocks may be claimed by another thread than the one
 * reusing their slot (coroutine yields poisoning them again): placing a
 * block waits for such a claim. */
void heap_claims_on(void);
long heap_marked_bytes(void);

void heap_atfork_prepare(void);
void heap_atfork_parent(void);
void heap_atfork_child(void);

#endif
