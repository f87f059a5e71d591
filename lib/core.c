/* Allocation, free and realloc as ward sees them (see core.h).
 *
 * A block's life: heap_alloc places it, its metadata records the stack and
 * context, and its state turns BS_LIVE. free() claims it with one
 * compare-and-swap BS_LIVE -> BS_QUAR, so of two racing frees exactly one
 * wins and the other is a double free; the block then waits in quarantine
 * and turns BS_FREE when it leaves.
 *
 * Calls made while ward itself is running (libunwind, libdw, dlopen) are
 * "internal": placed in the same heap, flagged, never checked or reported. */
#include "core.h"
#include "options.h"
#include "quarantine.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

int wd_state;

static bool claim(struct wd_meta *m, uint8_t from, uint8_t to)
{
    return atomic_compare_exchange_strong_explicit((_Atomic uint8_t *)&m->state, &from, to,
                                                   memory_order_acq_rel,
                                                   memory_order_relaxed);
}

static void publish(struct wd_meta *m, uint8_t state)
{
    atomic_store_explicit((_Atomic uint8_t *)&m->state, state, memory_order_release);
}

static void enter(void)
{
    wd_tls.in_ward++;
    if (WD_UNLIKELY(!wd_tls.self) && !wd_tls.exiting)
        threads_self();
}

static void leave(void)
{
    wd_tls.in_ward--;
}

/* Places a block and records how it was made. */
static void *place(size_t size, size_t align, bool zero, uint32_t stack, uint8_t flags)
{
    struct wd_block b;
    uintptr_t user = heap_alloc(wd_tls.tc, size, align, false, false, &b);
    if (!user) {
        errno = ENOMEM;
        return NULL;
    }
    struct wd_meta *m = b.m;
    m->alloc_stack = stack;
    m->free_stack = STACK_NONE;
    m->alloc_ctx = wd_tls.ctx;
    m->flags |= flags;
    if (zero && b.seg->kind == SEG_SMALL)
        memset((void *)user, 0, size);
    publish(m, BS_LIVE);
    return (void *)user;
}

void *core_alloc(size_t size, size_t align, bool zero, uint32_t stack)
{
    if (wd_tls.in_ward)
        return place(size, align, zero, STACK_NONE, BF_INTERNAL);
    enter();
    void *p = place(size, align, zero, stack, 0);
    leave();
    return p;
}

/* Why p cannot be freed: never allocated, inside a block, or freed
 * already. */
static void bad_free(void *p, const char *op, uint32_t stack)
{
    struct wd_block b;
    struct wd_err e = { .addr = (uintptr_t)p, .op = op, .op_stack = stack,
                        .op_ctx = wd_tls.ctx, .kind = WK_INVALID_FREE };
    if (heap_find(p, &b) && b.m->state != BS_FREE) {
        e.blk = &b;
        if (blk_user(&b) == (uintptr_t)p && b.m->state == BS_QUAR)
            e.kind = WK_DOUBLE_FREE;
    }
    report_error(&e);
}

/* Frees a block claimed by the caller (now BS_QUAR). */
static void retire(struct wd_block *b, uint32_t stack)
{
    struct wd_meta *m = b->m;
    m->free_stack = stack;
    m->free_ctx = wd_tls.ctx;
    heap_retire(b);
    if (wd_opt.quarantine > 0 && !(m->flags & BF_INTERNAL))
        quarantine_push(b, blk_size(b));
    else
        core_evict(b);
}

/* Finds the live block starting at p and claims it for freeing. */
static bool claim_block(void *p, struct wd_block *b)
{
    return heap_find(p, b) && blk_user(b) == (uintptr_t)p && claim(b->m, BS_LIVE, BS_QUAR);
}

void core_free(void *p, const char *op, uint32_t stack)
{
    struct wd_block b;
    if (!p)
        return;
    if (wd_tls.in_ward) {
        /* Ward's libraries free what they allocated; anything else they
         * hand back is left alone rather than reported from inside ward. */
        if (claim_block(p, &b))
            retire(&b, STACK_NONE);
        return;
    }
    enter();
    if (claim_block(p, &b))
        retire(&b, stack);
    else
        bad_free(p, op, stack);
    leave();
}

void *core_realloc(void *p, size_t size, uint32_t stack)
{
    struct wd_block b;
    if (!p)
        return core_alloc(size, 16, false, stack);
    if (size == 0) {                    /* glibc: free it, return NULL */
        core_free(p, "realloc", stack);
        return NULL;
    }
    bool internal = wd_tls.in_ward > 0;
    if (!internal)
        enter();
    void *q = place(size, 16, false, stack, internal ? BF_INTERNAL : 0);
    if (q && claim_block(p, &b)) {
        uint64_t old = blk_size(&b);
        memcpy(q, p, old < size ? old : size);
        retire(&b, stack);
    } else if (q) {
        /* Not a live block: leave it alone and fail like an exhausted
         * heap; the caller keeps its pointer. */
        if (claim_block(q, &b))
            core_evict(&b);
        if (!internal)
            bad_free(p, "realloc", stack);
        errno = ENOMEM;
        q = NULL;
    }
    if (!internal)
        leave();
    return q;
}

size_t core_usable_size(const void *p)
{
    struct wd_block b;
    if (p && heap_find(p, &b) && blk_user(&b) == (uintptr_t)p && b.m->state == BS_LIVE)
        return blk_size(&b);
    return 0;
}

/* The slot goes back to the heap without its metadata being touched: it
 * is cold by now, and the next allocation of the slot overwrites it
 * anyway. Until then it keeps saying BS_QUAR, with the block's history,
 * which is what a late double free should be told. */
void core_evict(struct wd_block *b)
{
    heap_release(wd_tls.exiting ? NULL : wd_tls.tc, b);
}
