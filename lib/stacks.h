/* Call stacks: captured at every allocation and free (unwind.h, with
 * libunwind for what it does not follow), and interned, so each distinct
 * stack is stored once and a block carries only a 32-bit id. Looking up a
 * known stack, which every allocation does, takes no lock. */
#ifndef WARD_STACKS_H
#define WARD_STACKS_H

#include "common.h"
#include "deps.h"
#include "options.h"
#include "unwind.h"

#define STACK_NONE 0u       /* nothing recorded */
#define STACK_FULL 1u       /* the table was full */
#define STACK_MAX_DEPTH 64
#define STACK_OWN_FRAMES 8      /* at most this many of ward's frames on top */

/* Frames hold return addresses, so a frame's call site is pc - 1. A stack
 * taken from a signal context stores its first frame (the faulting
 * instruction itself) plus one, so that rule holds for every frame. */

bool stacks_init(void);

/* Interns the frames a walk returned (got of them; 0 when libunwind is not
 * loaded yet), without ward's own frames. `caller` is the interposed
 * function's return address, recorded alone when there is nothing else
 * (allocations before ward's constructor loaded libunwind). */
uint32_t stacks_from_raw(void **raw, int got, void *caller);

/* The current stack with libunwind, for what the fast unwinder does not
 * follow; 0 frames without libunwind. */
int stacks_walk_slowly(void **raw, int max);

/* Interns the current call stack. Always inlined, so that the unwinding
 * starts in the interposed function itself: every frame of ward's own
 * unwound costs time and is then thrown away. */
static inline __attribute__((always_inline)) uint32_t stacks_capture(void *caller)
{
    void *raw[STACK_MAX_DEPTH + STACK_OWN_FRAMES];
    int max = (int)wd_opt.stack_depth + STACK_OWN_FRAMES;
    struct uw_repeat rep = { .caller = (uintptr_t)caller };
    int got = uw_backtrace(raw, max, &rep);
    if (rep.id)
        return rep.id;
    if (got < 0)
        got = stacks_walk_slowly(raw, max);
    uint32_t id = stacks_from_raw(raw, got, caller);
    uw_repeat_done(&rep, id);           /* nothing to do unless the walk was kept */
    return id;
}

/* Interns the stack of an interrupted context (a signal's ucontext). */
uint32_t stacks_capture_context(void *ucontext);

uint32_t stacks_intern(const uintptr_t *pcs, unsigned n);

/* The frames of a stack; returns their count (0 for STACK_NONE). */
unsigned stacks_get(uint32_t id, const uintptr_t **pcs);

/* Ids handed out so far (the table's size, for the trace writer). */
uint32_t stacks_count(void);

/* Whether pc lies in ward's own code. */
bool stacks_is_ward_pc(uintptr_t pc);

/* Writes every stack known so far to the trace (a trace that starts late:
 * after the first allocations, or in a forked child). */
void stacks_trace_all(void);

void stacks_atfork_prepare(void);
void stacks_atfork_parent(void);
void stacks_atfork_child(void);

#endif
