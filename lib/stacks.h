/* Call stacks: captured with libunwind at every allocation and free, and
 * interned, so each distinct stack is stored once and a block carries only
 * a 32-bit id. Looking up a known stack, which every allocation does,
 * takes no lock. */
#ifndef WARD_STACKS_H
#define WARD_STACKS_H

#include "common.h"

#define STACK_NONE 0u       /* nothing recorded */
#define STACK_FULL 1u       /* the table was full */
#define STACK_MAX_DEPTH 64

/* Frames hold return addresses, so a frame's call site is pc - 1. A stack
 * taken from a signal context stores its first frame (the faulting
 * instruction itself) plus one, so that rule holds for every frame. */

bool stacks_init(void);

/* Interns the current call stack, without ward's own frames. `caller` is
 * the interposed function's return address, recorded alone while
 * libunwind is not loaded yet (allocations before ward's constructor). */
uint32_t stacks_capture(void *caller);

/* Interns the stack of an interrupted context (a signal's ucontext). */
uint32_t stacks_capture_context(void *ucontext);

uint32_t stacks_intern(const uintptr_t *pcs, unsigned n);

/* The frames of a stack; returns their count (0 for STACK_NONE). */
unsigned stacks_get(uint32_t id, const uintptr_t **pcs);

/* Ids handed out so far (the table's size, for the trace writer). */
uint32_t stacks_count(void);

/* Whether pc lies in ward's own code. */
bool stacks_is_ward_pc(uintptr_t pc);

void stacks_atfork_prepare(void);
void stacks_atfork_parent(void);
void stacks_atfork_child(void);

#endif
