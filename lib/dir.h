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

/* What reports may still name of a reclaimed chunk: the owner id of the
 * name all its records had (most servers name every worker alike), 0 if
 * none or they differed. A 16-bit word per chunk, pages allocated as
 * needed. */
struct dir_names {
    uint16_t *top[DIR_TOP];
};

static inline uint16_t dir_name_get(const struct dir_names *d, uint32_t i)
{
    uint16_t *leaf = __atomic_load_n(&d->top[(i >> DIR_LEAF_SHIFT) % DIR_TOP], __ATOMIC_ACQUIRE);
    return leaf ? __atomic_load_n(&leaf[i & ((1u << DIR_LEAF_SHIFT) - 1)], __ATOMIC_RELAXED)
                : 0;
}

/* Records nothing if ward's memory is exhausted: the name is then lost. */
void dir_name_set(struct dir_names *d, uint32_t i, uint16_t owner);

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
