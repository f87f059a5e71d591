/* A fast unwinder for the stacks taken at every allocation and free.
 *
 * Nearly every return address an allocation's stack passes through was
 * seen before, and on x86-64 nearly every frame follows one of two rules:
 * the caller's stack pointer (the CFA) is this frame's rsp or rbp plus a
 * constant, the return address sits just below it, and rbp was saved at a
 * constant offset from it or not touched. So each return address gets its
 * rule once, read from its module's .eh_frame, and kept in a lock-free
 * table; a frame then costs a hash probe and two loads. Anything else (a
 * signal frame, a DWARF expression) is left to libunwind, whole. On a
 * stack ward was not told of, the walk is bounded by the heap block or
 * the mapping that holds it, its reads are guarded against faults, and it
 * ends at code without unwind information (a hand-written switcher's
 * entry). */
#ifndef WARD_UNWIND_H
#define WARD_UNWIND_H

#include "common.h"

/* A walk's key to the thread's repeated walks (see unwind.c): caller is
 * the return address into the program, and the rest starts zero. id is
 * set when the walk repeats one whose stack was interned; otherwise slot
 * and seq say where the walk was kept, for uw_repeat_done. */
struct uw_repeat {
    uintptr_t caller;
    uint32_t  id;
    uint32_t  slot;             /* 1 + the slot; 0: not kept */
    uint32_t  seq;
};

/* Fills out with up to max return addresses, starting with the caller's
 * own; returns how many, or -1 when libunwind must do it. With rep (may be
 * NULL), a repeat returns 0 with rep->id set, and nothing in out. Never
 * reads outside the current stack (or the block or mapping that holds
 * it). */
int uw_backtrace(void **out, int max, struct uw_repeat *rep);

/* The stack id of the walk rep was given to, once interned. */
void uw_repeat_done(const struct uw_repeat *rep, uint32_t id);

/* A thread's last walk, which the next one reuses the outer frames of;
 * the walk finds it in wd_tls.memo. NULL when there is no memory. */
struct uw_memo *uw_memo_new(void);
void uw_memo_free(struct uw_memo *m);

/* Modules were unloaded: their addresses may now hold other code. */
void uw_forget(void);

/* The program unmapped [lo, hi): if that touches a mapping that bounds
 * walks of stacks ward was not told of, it is looked up again when next
 * needed. uw_maps_changed: any may have changed (modules were unloaded). */
void uw_unmapped(uintptr_t lo, uintptr_t hi);
void uw_maps_changed(void);

/* Entries in the rule table now (for tests). */
size_t uw_table_size(void);

void uw_atfork_prepare(void);
void uw_atfork_parent(void);
void uw_atfork_child(void);

#endif
