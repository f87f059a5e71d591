/* A directory of pointers indexed by a number below 2^23 (a chunk of
 * records: coroutines', threads'), whose pages are allocated the first
 * time a number in them is set: a process that numbers a few chunks
 * touches one page, one that numbers millions a page per 4096 chunks.
 * Readers take no lock; setters hold their own module's lock.
 *
 * A chunk taken out of its directory is parked: readers may still hold a
 * record they looked up a moment before, so its memory serves a new chunk
 * only after DIR_GRACE_NS. Chunk types begin with struct dir_parked. */
#ifndef WARD_DIR_H
#define WARD_DIR_H

#include "common.h"

#include <stdatomic.h>

#define DIR_LEAF_SHIFT 12
#define DIR_TOP        (1u << (23 - DIR_LEAF_SHIFT))

struct wd_dir {
    void **top[DIR_TOP];
};

static inline void *dir_get(const struct wd_dir *d, uint32_t i)
{
    void **leaf = __atomic_load_n(&d->top[(i >> DIR_LEAF_SHIFT) % DIR_TOP], __ATOMIC_ACQUIRE);
    return leaf ? __atomic_load_n(&leaf[i & ((1u << DIR_LEAF_SHIFT) - 1)], __ATOMIC_ACQUIRE)
                : NULL;
}

/* False if ward's memory is exhausted (for a new page) or i is too large. */
bool dir_set(struct wd_dir *d, uint32_t i, void *p);

/* A chunk whose last record ended: *low, the lowest such chunk since the
 * module's last sweep, comes down to index. */
static inline void dir_due(_Atomic uint32_t *low, uint32_t index)
{
    uint32_t cur = atomic_load(low);
    while (index < cur && !atomic_compare_exchange_weak(low, &cur, index))
        ;
}

#define DIR_GRACE_NS (100 * 1000000ull)

struct dir_parked {
    struct dir_parked *next;        /* oldest first */
    uint64_t since_ns;
};

struct dir_park {
    struct dir_parked *head, *tail;
};

void dir_park(struct dir_park *p, void *chunk);
/* A parked chunk past its grace, zeroed, or a new one; NULL when ward's
 * memory is exhausted. */
void *dir_unpark(struct dir_park *p, size_t size);

#endif
