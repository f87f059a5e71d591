/* The core: every allocation call the interposers see comes here and is
 * checked (bad frees), recorded (stacks, thread) and placed (heap,
 * quarantine) in one place. */
#ifndef WARD_CORE_H
#define WARD_CORE_H

#include "common.h"
#include "fmt.h"
#include "heap.h"
#include "stacks.h"
#include "threads.h"

enum wd_state {
    WD_UNINIT = 0,
    WD_ACTIVE,
    WD_INERT,       /* bad options, setuid, or out of address space: plain libc */
};

extern int wd_state;

/* Starts ward if it has not started; safe to call from the first malloc,
 * before libc or the program is initialised. */
void core_init(void);

/* The stack of the current call, for entry points that take one: inlined
 * so the unwinding starts in the entry point itself (see stacks_capture),
 * with allocations by libunwind kept internal. */
static inline __attribute__((always_inline)) uint32_t core_capture(void *caller)
{
    /* Past its TSD destructor a thread has lost libunwind's cache, and
     * unwinding would make a new one that nothing frees: the caller will do. */
    if (WD_UNLIKELY(wd_tls.exiting))
        return stacks_from_raw(NULL, 0, caller);
    wd_tls.in_ward++;
    uint32_t s = stacks_capture(caller);
    wd_tls.in_ward--;
    return s;
}

/* The interposers capture the stack of the call themselves (see
 * stacks_capture) and pass it in; STACK_NONE for ward's own calls. how:
 * the family of the call (enum blk_how), which a block's release must
 * match; op names the releasing call in reports; size: what a sized
 * operator delete was told the block holds (0: nothing). */
void  *core_alloc(size_t size, size_t align, bool zero, uint8_t how, uint32_t stack);
void   core_free(void *p, uint8_t how, size_t size, const char *op, uint32_t stack);
void   core_set_how(void *p, uint8_t how);
void  *core_realloc(void *p, size_t size, uint32_t stack);
size_t core_usable_size(const void *p);

/* The ward.h calls (see lib/api.c). */
void       *core_alloc_pinned(size_t size, uint32_t stack);
int         core_pin(void *p, uint32_t stack);
int         core_unpin(void *p);
int         core_owner_set(void *p, const char *name);
const char *core_owner_of(const void *p);

/* For coroutines (see coro.c): check a block freed while the yielding
 * coroutine was suspended; report a coroutine running off its stack (does
 * not return); report a finished coroutine's leaks (coro_leaks=1); and
 * explain a freed block in a report (returns a yield stack to print). */
enum found_at {
    FOUND_AT_YIELD,             /* the coroutine yields (a switch ward sees) */
    FOUND_AT_UNSEEN,            /* a switch ward did not see: the writer is unknown */
    FOUND_AT_END,               /* the coroutine finishes */
};
void core_check_freed(uintptr_t user, uint32_t epoch, uint32_t found_stack, enum found_at at);
void core_report_stack_overflow(uintptr_t addr, void *ucontext, uintptr_t stack_block,
                                const char *note, uint32_t make_stack)
    __attribute__((noreturn));
void core_coro_leaks(uint32_t coro, uintptr_t stack_lo, uintptr_t stack_hi);
uint32_t core_explain_free(fmt_t *f, const struct wd_block *b, bool accessor_known);

/* A block leaves the quarantine: its memory may be reused. */
void core_evict(struct wd_block *b);

/* At exit: core_check_all, with the other threads stopped, checks every
 * live block's redzones and every freed block's poison; core_report_found
 * reports what it found once they run again. */
void core_check_all(void);
size_t core_found_count(void);
void core_report_found(uint32_t stack);

void core_atfork_prepare(void);
void core_atfork_parent(void);
void core_atfork_child(void);

#endif
