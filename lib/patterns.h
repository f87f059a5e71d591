/* Byte patterns that make damage visible after the fact: every small block
 * sits between redzones filled with PAT_REDZONE, and a freed one is filled
 * with PAT_FREED. A byte that no longer holds its pattern was written by
 * the program where it had no business: past the block's end, before its
 * start, or after it was freed. */
#ifndef WARD_PATTERNS_H
#define WARD_PATTERNS_H

#include "fmt.h"
#include "heap.h"

#define PAT_REDZONE 0xfa
#define PAT_FREED   0xfd

struct pat_damage {
    uintptr_t first;        /* address of the first damaged byte */
    size_t    count;        /* damaged bytes (non-contiguous ones included) */
    size_t    span;         /* from the first to the last damaged byte */
    bool      below;        /* in the left redzone (underflow) */
    uint8_t   bytes[16];    /* what is there now, from first on */
};

/* Fills the redzones of a block just placed. */
void pat_fill_redzones(const struct wd_block *b);

/* Checks both redzones; false if intact, else *d says where. The right
 * redzone is checked first: overflows are the common case. */
bool pat_check_redzones(const struct wd_block *b, struct pat_damage *d);
/* The same, of the redzone before the block only. */
bool pat_check_below(const struct wd_block *b, struct pat_damage *d);

/* Poisons a freed small block (guarded ones lose their pages instead) and
 * checks that the poison is intact. */
void pat_poison(const struct wd_block *b);
bool pat_check_poison(const struct wd_block *b, struct pat_damage *d);

/* The damaged bytes as hex ("41 41 00"), for reports. */
void pat_describe_bytes(fmt_t *f, const struct pat_damage *d);

#endif
