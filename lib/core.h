/* The core: every allocation call the interposers see comes here and is
 * checked (bad frees), recorded (stacks, thread) and placed (heap,
 * quarantine) in one place. */
#ifndef WARD_CORE_H
#define WARD_CORE_H

#include "common.h"
#include "heap.h"

enum wd_state {
    WD_UNINIT = 0,
    WD_ACTIVE,
    WD_INERT,       /* bad options, setuid, or out of address space: plain libc */
};

extern int wd_state;

/* Starts ward if it has not started; safe to call from the first malloc,
 * before libc or the program is initialised. */
void core_init(void);

/* The interposers capture the stack of the call themselves (see
 * stacks_capture) and pass it in; STACK_NONE for ward's own calls. */
void  *core_alloc(size_t size, size_t align, bool zero, uint32_t stack);
void   core_free(void *p, const char *op, uint32_t stack);
void  *core_realloc(void *p, size_t size, uint32_t stack);
size_t core_usable_size(const void *p);

/* A block leaves the quarantine: its memory may be reused. */
void core_evict(struct wd_block *b);

/* At exit: core_check_all, with the other threads stopped, checks every
 * live block's redzones and every freed block's poison; core_report_found
 * reports what it found once they run again. */
void core_check_all(void);
void core_report_found(uint32_t stack);

#endif
