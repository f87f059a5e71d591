/* Ranges that libc's string functions are about to read or write, checked
 * against ward's blocks (preload/string.c calls this). A copy past a block's
 * end or into a freed block is reported at the call, with the caller's
 * stack, as ASan's interceptors and Valgrind's replacements do: redzones
 * alone show an overflowing write only at the block's free, and a read
 * never. */
#ifndef WARD_ACCESS_H
#define WARD_ACCESS_H

#include "arena.h"
#include "common.h"
#include "heap.h"
#include "options.h"

#include <stdatomic.h>

enum access_kind {
    ACCESS_READ,
    ACCESS_WRITE,
    ACCESS_WRITE_REFUSED,   /* a _FORTIFY_SOURCE check will stop it first */
};

/* Whether damage [lo, hi) of block b (to its poison if freed, else to its
 * redzones) is what a write reported at its call left: report_damage does
 * not report it again. */
bool access_reported(const struct wd_block *b, uintptr_t lo, uintptr_t hi, bool freed);

void access_check_slow(const void *p, size_t n, enum access_kind kind, const char *fn,
                       void *caller);

/* Whether [a, a + n) lies in [user, user + size), without wrapping round
 * when a is past the end. */
static inline bool access_within(uintptr_t a, size_t n, uintptr_t user, uint64_t size)
{
    return a >= user && a - user <= size && n <= size - (a - user);
}

/* Whether [a, a + n) lies in a live block: the common case, with no more
 * than the loads it needs (sqlite3 copies in and out of its pages
 * millions of times; a call and the general lookup cost it a tenth of its
 * time). */
static inline bool access_fits(uintptr_t a, size_t n)
{
    const struct wd_seg *s = arena_seg((const void *)a);
    uint8_t kind = atomic_load_explicit((_Atomic uint8_t *)&s->kind, memory_order_acquire);
    if (kind == SEG_UNUSED)
        return false;
    uint64_t i = seg_slot_index(s, a);
    const struct wd_meta *m = &s->meta[i];
    if (i >= s->nslots ||
        atomic_load_explicit((_Atomic uint8_t *)&m->state, memory_order_acquire) != BS_LIVE)
        return false;
    uintptr_t user = kind == SEG_HUGE ? s->huge_user : s->slot_base + i * s->slot_size + m->off;
    uint64_t size = kind == SEG_HUGE ? s->huge_size : m->size;
    return access_within(a, n, user, size);
}

/* Cheap for what is not ward's (the stack, static data, a mapping): a
 * range check and no call. */
static inline void access_check(const void *p, size_t n, enum access_kind kind,
                                const char *fn, void *caller)
{
    if (WD_UNLIKELY(arena_contains(p)) && n && wd_opt.check_libc &&
        !access_fits((uintptr_t)p, n))
        access_check_slow(p, n, kind, fn, caller);
}

#endif
