/* Moved self-references: when realloc moves a block, any pointer-sized
 * word in it that points into the block itself keeps pointing at the old
 * copy and dangles. No other tool looks for this; it is the C face of why
 * Rust pins self-referential futures. */
#ifndef WARD_SELFREF_H
#define WARD_SELFREF_H

#include "common.h"

struct selfref {
    uint32_t offset;        /* where the word is */
    uint32_t target;        /* where it points, both from the block's start */
};

/* Finds up to max aligned words in the first `kept` bytes of the block
 * [user, user + size) (what a realloc copies) that point into it, or just
 * past its end (an end pointer); returns how many there are in all. */
size_t selfref_find(uintptr_t user, uint64_t kept, uint64_t size, struct selfref *out,
                    size_t max);

#endif
