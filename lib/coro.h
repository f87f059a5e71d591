/* Coroutines: contexts made with makecontext (or registered through
 * ward.h) that run on a stack of their own and switch with each other.
 * ward knows the current coroutine of every thread, counts its yields,
 * remembers where it last yielded and when it was suspended, guards the
 * bottom of its stack, and explains in coroutine terms an access to memory
 * freed while the accessing coroutine was suspended.
 *
 * Coroutine 0 is a thread's own stack; real coroutines are numbered from
 * 1 in creation order, process-wide, never reusing a number. A record
 * outlives its coroutine (reports may name finished ones) until every
 * coroutine of its chunk of 1024 has ended; then coro_get returns NULL for
 * them, and readers must expect that of any id. */
#ifndef WARD_CORO_H
#define WARD_CORO_H

#include "common.h"
#include "fmt.h"
#include "heap.h"
#include "owners.h"

#define CORO_THREAD 0u
#define CORO_SUSP   4               /* suspensions remembered per coroutine */

enum coro_state { CORO_MADE, CORO_RUNNING, CORO_SUSPENDED, CORO_EXITED };

struct wd_coro {
    uint32_t id;
    _Atomic int state;              /* enum coro_state */
    char     name[32];              /* "" until named */
    uint16_t owner;                 /* its name as an owner, or OWNER_MAIN */
    uint32_t make_stack;            /* where makecontext / register was called */
    uint32_t maker;                 /* the thread that made it (its id), or UINT32_MAX */
    uintptr_t stack_lo, stack_hi;   /* its stack, 0 when unknown */
    uintptr_t guard_lo, guard_hi;   /* pages of it made inaccessible */
    uint8_t  guard_kind;            /* how: enum guard_kind in coro.c */
    bool     ends_with_stack;       /* finished when its stack is freed (no
                                       trampoline sees its end: boost.context) */
    uintptr_t stack_block;          /* the heap block holding the stack, or 0 */
    bool     pinned;                /* ward's pin on that block is this one's to drop */
    uint32_t older;                 /* the next older coroutine with a stack in
                                       that block, or 0 (see coro.c) */
    _Atomic bool stack_freed;       /* that block was freed: nothing runs there */
    uint64_t yields;
    uint32_t yield_stack;           /* where it last yielded */
    struct {                        /* its last suspensions, newest last */
        uint32_t from, to;          /* switch epochs: [suspended, resumed) */
        uint32_t stack;             /* where it yielded */
        bool unseen;                /* by a switch ward did not see */
    } susp[CORO_SUSP];
    unsigned nsusp;
    uint32_t run_from;              /* epoch it last resumed at (0: it has run
                                       since it began) */
    struct owner_stack owners;
    _Atomic int64_t live_bytes, live_blocks;   /* allocated by it, still live */
    int64_t exit_bytes, exit_blocks;           /* what it still owned at its end */
    _Atomic bool buried;            /* counted among its chunk's ended (coro.c) */
};

bool coro_init(void);

/* For ctx_collect: the pair's thread or coroutine has no record any more. */
struct ctx_pair;
bool coro_pair_gone(struct ctx_pair p);
struct wd_coro *coro_get(uint32_t id);
uint32_t coro_count(void);

/* The calling thread's current coroutine (0: its own stack). */
uint32_t coro_current(void);

/* A new coroutine on [stack, stack + size); guards its stack if it lies in
 * a heap block. Returns its id, or 0 if ward's memory is exhausted. */
uint32_t coro_create(const char *name, void *stack, size_t size, uint32_t make_stack);

/* The coroutine has finished once its stack is freed (a switcher whose
 * coroutines' ends ward does not see otherwise). */
void coro_ends_with_stack(uint32_t id);

/* The current coroutine yields (yield_stack: where) and `to` runs next.
 * Called right before the switch. */
void coro_switch(uint32_t to, uint32_t yield_stack);

/* The coroutine whose stack holds sp (0: this thread's own stack), or
 * UINT32_MAX if ward knows none: where a switcher that saves a context on
 * its stack (boost.context) is about to go. */
uint32_t coro_at(uintptr_t sp);

/* The newest coroutine whose stack, outside the heap, holds addr (live or
 * not), or 0: for reports about an address that is no block's. */
uint32_t coro_holding(uintptr_t addr);

/* Called with the caller's stack pointer where ward is entered: if it lies
 * off the stack of the coroutine ward believes current, the program
 * switched without a call ward sees (siglongjmp between coroutines), and
 * the switch is recorded now, without a yield stack (stack: the call that
 * noticed, for what the switch finds). */
void coro_sync(uintptr_t sp, uint32_t stack);
/* The same for the stack pointer of a fault about to be reported. */
void coro_sync_fault(uintptr_t sp);

/* The coroutine has finished: check, as its yields did, the blocks freed
 * while it was suspended (stack: where its end was seen, or STACK_NONE);
 * record what it still owns, report its leaks with coro_leaks=1, and give
 * its stack back to the program (unguarded, unpinned). The caller then
 * switches away. */
void coro_exit(uint32_t id, uint32_t stack);

/* A finished coroutine runs again from its start (a made context switched
 * to again, as glibc allows): it is followed, and its stack guarded and
 * pinned, as before it finished. */
void coro_restart(uint32_t id);

/* Names the current coroutine (or, on a thread's own stack, nothing). */
void coro_name(const char *name);

/* Bookkeeping from the core: a block allocated by a coroutine, or freed
 * (alloc_ctx: the context that allocated it). */
void coro_count_alloc(uint32_t coro, uint64_t bytes);
void coro_count_free(uint32_t alloc_ctx, uint64_t bytes);
void coro_count_resize(uint32_t alloc_ctx, uint64_t from, uint64_t to);

/* The current switch epoch (blocks record it when freed). */
uint32_t coro_epoch(void);

/* A freed block: remember it, on this thread, so that its poison can be
 * checked when the coroutines that were suspended meanwhile yield. */
void coro_note_free(uintptr_t user, uint32_t epoch);
/* The epoch a free on this thread is stamped with (for coro_note_free). */
uint32_t coro_free_epoch(void);

/* The stack block was freed: give its guard pages back. */
void coro_stack_freed(uintptr_t user);

/* The program unmapped [lo, hi): coroutine stacks there are gone. */
void coro_unmapped(uintptr_t lo, uintptr_t hi);

/* For the leak scanner: the lowest guard page, of the coroutine stacks in
 * the block at user, that ends above from; returns its start (*hi its end),
 * or end if there is none below end. */
uintptr_t coro_next_guard(uintptr_t user, uintptr_t from, uintptr_t end, uintptr_t *hi);

/* For reports. coro_describe writes "coroutine 3 (producer)". coro_explain
 * writes, for a block freed in free_ctx at epoch free_epoch and now
 * accessed in access_ctx, the line saying it was freed while the accessing
 * coroutine was suspended, and returns the stack of that yield (0 if the
 * access is not such a case, CORO_NO_YIELD_STACK if it is but the yield
 * was not seen). coro_stack_note says whose stack a freed block was. */
#define CORO_NO_YIELD_STACK UINT32_MAX
void coro_describe(fmt_t *f, uint32_t coro);
/* Its name, or NULL: from its record, or for a reclaimed one the name
 * its whole chunk shared. */
const char *coro_name_of(uint32_t coro);
uint32_t coro_explain(fmt_t *f, uint32_t free_ctx, uint32_t free_epoch, uint32_t access_ctx);
bool coro_stack_note(fmt_t *f, uintptr_t user);

/* Whether the block at user was the stack of a coroutine that has
 * finished: what it points into itself (saved frame pointers) is dead. */
bool coro_stack_finished(uintptr_t user);

/* A fault at addr: true if it is the current coroutine running off its
 * stack (then it has been reported and the process exits). */
bool coro_fault(uintptr_t addr, void *ucontext);

/* The stats=1 table of coroutines. */
void coro_print_table(fmt_t *f);

/* The calling thread is ending: its log of frees goes to a later thread. */
void coro_thread_end(void);

void coro_atfork_prepare(void);
void coro_atfork_parent(void);
void coro_atfork_child(void);

#endif
