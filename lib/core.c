/* Allocation, free and realloc as ward sees them (see core.h).
 *
 * A block's life: heap_take finds a slot, the poison of the slot's previous
 * block is checked (a write after free shows there), heap_place places the
 * block, its redzones are filled and its metadata records the stack and
 * context; it turns BS_LIVE. free() claims it with one compare-and-swap
 * BS_LIVE -> BS_BUSY, so of two racing frees exactly one wins and the other
 * is a double free; the redzones are checked, the block poisoned, turned
 * BS_QUAR, and it waits in quarantine until its slot is handed out again.
 * Until then BS_BUSY tells the checks at exit (which may find a thread
 * stopped half-way) to leave the block alone.
 *
 * Calls made while ward itself is running (libunwind, libdw, dlopen) are
 * "internal": placed in the same heap, flagged, never checked or reported. */
#define _GNU_SOURCE
#include "core.h"
#include "access.h"
#include "coro.h"
#include "ctx.h"
#include "cxx.h"
#include "leaks.h"
#include "world.h"
#include "imem.h"
#include "prim.h"
#include "options.h"
#include "owners.h"
#include "patterns.h"
#include "pins.h"
#include "quarantine.h"
#include "report.h"
#include "selfref.h"
#include "stacks.h"
#include "threads.h"
#include "trace_format.h"
#include "trace_write.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <ucontext.h>

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

/* stack: the operation's, for what a coroutine switch ward had not seen
 * (noticed here, by the stack pointer) finds. */
static void enter(uint32_t stack)
{
    wd_tls.in_ward++;
    if (WD_UNLIKELY(!wd_tls.self) && !wd_tls.exiting)
        threads_self();
    coro_sync((uintptr_t)__builtin_frame_address(0), stack);
}

static void leave(void)
{
    wd_tls.in_ward--;
}

/* ---- reports about damaged bytes ---- */

/* Left-redzone damage of b is the live block below running over its end
 * when that block's own right redzone is damaged too (*d gets that
 * damage). Only the first bytes of a large class's slack are filled (see
 * patterns.c), so the slot's last byte says nothing by itself. */
static bool blame_block_below(const struct wd_block *b, struct wd_block *below,
                              struct pat_damage *d)
{
    if (b->seg->kind != SEG_SMALL || b->slot == b->seg->slot_base)
        return false;
    /* ward's own blocks have no redzones to find damaged. */
    if (!heap_find((void *)(b->slot - 1), below) || below->m->state != BS_LIVE ||
        (below->m->flags & BF_INTERNAL))
        return false;
    return pat_check_redzones(below, d) && !d->below;
}

/* accessor_known: the current context made the bad access (a fault, or a
 * write found as its coroutine yields), so a free that happened while it
 * was suspended can be explained. */
/* More about a freed block: whose stack it was, and whether it was freed
 * while the accessing coroutine was suspended (returning the stack of that
 * yield, which the report prints next). */
uint32_t core_explain_free(fmt_t *f, const struct wd_block *b, bool accessor_known)
{
    uint32_t stack = 0;
    size_t mark = f->len;
    fmt_str(f, "\n");
    if (!coro_stack_note(f, blk_user(b)))
        f->len = mark;
    if (accessor_known) {
        mark = f->len;
        fmt_str(f, "\n");
        stack = coro_explain(f, b->m->free_ctx, b->m->free_epoch, wd_tls.ctx);
        if (!stack)
            f->len = mark;
        else if (stack == CORO_NO_YIELD_STACK)
            stack = STACK_NONE;
    }
    return stack;
}

static void report_damage(const struct wd_block *b, const struct pat_damage *d,
                          enum wd_kind kind, const char *op, uint32_t stack,
                          bool accessor_known)
{
    char note[768];
    fmt_t f;
    uintptr_t user = blk_user(b);
    uint32_t yield_stack = 0;
    if (access_reported(b, d->first, d->first + d->span, kind == WK_USE_AFTER_FREE))
        return;                     /* the write was reported as it happened */
    fmt_init(&f, note, sizeof note, -1);
    fmt_u64(&f, d->count);
    if (kind == WK_USE_AFTER_FREE)
        fmt_str(&f, d->count == 1 ? " byte was written after the block was freed, at offset "
                                  : " bytes were written after the block was freed, from offset ");
    else if (kind == WK_OVERFLOW)
        fmt_str(&f, d->count == 1 ? " byte past the end of the block was overwritten, at offset "
                                  : " bytes past the end of the block were overwritten, from offset ");
    else
        fmt_str(&f, d->count == 1 ? " byte before the start of the block was overwritten, at offset -"
                                  : " bytes before the start of the block were overwritten, from offset -");
    fmt_u64(&f, d->first >= user ? d->first - user : user - d->first);
    /* Some bytes in the run still hold the pattern (the write stored that
     * very byte, or skipped some): the bytes shown are the whole run. */
    if (d->span > d->count) {
        fmt_str(&f, " to ");
        fmt_i64(&f, (int64_t)(d->first + d->span - 1) - (int64_t)user);
    }
    fmt_str(&f, ": ");
    pat_describe_bytes(&f, d);
    if (kind == WK_USE_AFTER_FREE)
        yield_stack = core_explain_free(&f, b, accessor_known);
    struct wd_err e = { .kind = kind, .addr = d->first, .op = op, .op_stack = stack,
                        .op_ctx = wd_tls.ctx, .blk = b, .note = fmt_cstr(&f),
                        .note_stack = yield_stack };
    report_error(&e);
}

/* The same rule from below: b's overflow, reported, ran on into the slot
 * above, whose first bytes are then damaged from its very start; they are
 * filled again so that the block there is not reported for them as its
 * own underflow at its free. Only that run from the slot's start, and
 * only in its first HEAP_REDZONE bytes, which are redzone whatever block
 * holds the slot (no claim is needed): a separate underflow of the block
 * above, nearer to it, is still its own. */
static void clear_above(const struct wd_block *b)
{
    struct wd_block above;
    uintptr_t next = b->slot + b->slot_size, p = next;
    if (b->seg->kind != SEG_SMALL || !heap_find((void *)next, &above) || above.seg != b->seg ||
        above.slot != next)
        return;
    while (p < next + HEAP_REDZONE && *(const uint8_t *)p != PAT_REDZONE)
        p++;
    memset((void *)next, PAT_REDZONE, p - next);
}

static WD_COLD void redzones_damaged(const struct wd_block *b, const struct pat_damage *d,
                                     const char *op, uint32_t stack)
{
    struct pat_damage below_d;
    struct wd_block below;
    if (d->below && blame_block_below(b, &below, &below_d)) {
        report_damage(&below, &below_d, WK_OVERFLOW, op, stack, false);
        pat_fill_redzones(&below);          /* reported once, not again at its free */
    } else {
        report_damage(b, d, d->below ? WK_UNDERFLOW : WK_OVERFLOW, op, stack, false);
        if (!d->below)
            clear_above(b);
    }
}

/* The damage of b's redzones to report: a run past the end that a libc
 * call's write left, reported at the call, gives way to one before the
 * start. */
static bool redzone_damage(const struct wd_block *b, struct pat_damage *d)
{
    if (!pat_check_redzones(b, d))
        return false;
    if (d->below || !access_reported(b, d->first, d->first + d->span, false))
        return true;
    clear_above(b);             /* what the same write left in the slot above */
    return pat_check_below(b, d);
}

/* Checks a block's redzones; reports what was overwritten. */
static void check_redzones(const struct wd_block *b, const char *op, uint32_t stack)
{
    struct pat_damage d;
    if (redzone_damage(b, &d))
        redzones_damaged(b, &d, op, stack);
}

/* The slot held a freed block: its poison must be intact. */
static void check_reuse(const struct wd_block *b, uint32_t stack)
{
    struct pat_damage d;
    if (b->m->state == BS_QUAR && !(b->m->flags & BF_INTERNAL) && pat_check_poison(b, &d))
        report_damage(b, &d, WK_USE_AFTER_FREE, "write found when the memory was reused", stack,
                      false);
}

/* ---- allocation ---- */

/* A block ward cannot place. Larger than its whole arena, or aligned
 * beyond what heap_take places, it never could be: the call fails with
 * ENOMEM, as glibc's would with ward's reservation in the way, and ward
 * goes on. Otherwise ward's own memory (metadata, address space) is
 * exhausted: it says so once and stops checking; the interposers then
 * hand this and later calls to glibc. */
static void out_of_room(size_t size, size_t align)
{
    if (size > wd_arena.size - 2 * WD_PAGE || align >= HEAP_ALIGN_MAX ||
        size + align > wd_arena.size - 2 * WD_PAGE) {
        if (size < (1UL << 40) && wd_arena.size < (1UL << 40))
            report_warning_once("a block larger than ward's arena was asked for: it fails with "
                                "ENOMEM (under an address-space limit, ulimit -v, ward reserves "
                                "half of it: raise the limit)");
        return;
    }
    report_warning_once("ward's own memory is exhausted; it stops checking and tracing, and "
                        "the program goes on with glibc's malloc (blocks already placed are "
                        "still freed correctly)");
    trace_crash_flush();
    wd_state = WD_INERT;
}

/* A freed guarded block whose pages the kernel would not make
 * inaccessible (see prim_mark): later accesses go unseen. */
static void unguarded_free(void)
{
    report_warning_once("the kernel refused to make a freed guarded block's pages "
                        "inaccessible (guard markers in locked memory); accesses to such "
                        "blocks after free are not caught at once (guard_markers=0 catches "
                        "them)");
}

static bool guard_allowed(size_t size)
{
    switch (heap_guard_limit()) {
    case HEAP_LIMIT_NONE:
        return true;
    case HEAP_LIMIT_MAPS:
        report_warning_once("so many blocks are guarded that the kernel's limit on mappings "
                            "(vm.max_map_count) is near; new blocks are not guarded until some "
                            "are freed (raise the limit: sysctl vm.max_map_count=1048576)");
        return false;
    case HEAP_LIMIT_MEMORY:
        /* Large blocks fill most of their pages: guarding them costs
         * little (a page in 16 at most), whatever the small ones cost. */
        if (size >= (size_t)wd_opt.guard_min && size >= 16 * WD_PAGE)
            return true;
        report_warning_once("guarding blocks has cost a quarter of the machine's memory (a "
                            "small block takes a page of its own); new blocks below guard_min "
                            "(and 64K) are not guarded until some are freed (guard fewer: guard=auto, or "
                            "a larger sample=N)");
        return false;
    }
    return false;
}

static bool want_guard(size_t size)
{
    if (size >= (size_t)wd_opt.guard_min || wd_opt.guard == GUARD_ALL)
        return guard_allowed(size);
    if (wd_opt.sample && --wd_tls.sample_left <= 0) {
        /* Pseudo-random gaps averaging sample, so patterns in the
         * program's allocations do not hide from the sample. */
        uint32_t x = wd_tls.sample_seed = wd_tls.sample_seed * 1103515245u + 12345u;
        wd_tls.sample_left = 1 + (int)((x >> 8) % (uint32_t)(2 * wd_opt.sample));
        return guard_allowed(size);
    }
    return false;
}

/* Places a block and records how it was made. Pinned blocks are guarded
 * in every mode. count: the block counts for its owner now (realloc counts
 * it once the old block is gone, as the trace does). */
static void *place_block(size_t size, size_t align, bool zero, uint32_t stack, uint8_t flags,
                         uint8_t how, struct wd_block *out, bool count)
{
    struct wd_block b;
    bool internal = flags & BF_INTERNAL;
    bool guard = !internal && ((flags & BF_PINNED) || want_guard(size));
    /* Too large for a small slot, a block gets a page slot even when it
     * may not be guarded: heap_take decides by size. */
    if (!heap_take(wd_tls.tc, size, align, guard, wd_opt.guard_below, &b)) {
        if (!internal)
            out_of_room(size, align);
        errno = ENOMEM;
        return NULL;
    }
    if (!internal)
        check_reuse(&b, stack);
    uintptr_t user = heap_place(&b, size, align, wd_opt.guard_below, guard);
    if (!user) {
        errno = ENOMEM;
        return NULL;
    }
    struct wd_meta *m = b.m;
    m->alloc_stack = stack;
    m->free_stack = STACK_NONE;
    m->alloc_ctx = wd_tls.ctx;
    m->flags |= flags;
    m->how = how;
    if (!internal) {
        m->owner = threads_owner();
        if (count)
            owners_count_alloc(threads_owner_cache(), m->owner, size);
        if (wd_tls.coro)
            coro_count_alloc(wd_tls.coro, size);
        pat_fill_redzones(&b);
    }
    if (zero && b.seg->kind == SEG_SMALL)
        memset((void *)user, 0, size);
    publish(m, BS_LIVE);
    if (out)
        *out = b;
    return (void *)user;
}

static void *place(size_t size, size_t align, bool zero, uint32_t stack, uint8_t flags,
                   uint8_t how)
{
    struct wd_block b;
    void *p = place_block(size, align, zero, stack, flags, how, &b, true);
    if (p && trace_on && !(flags & BF_INTERNAL))
        trace_alloc((uintptr_t)p, size, stack, b.m->owner,
                    ((b.m->flags & BF_PINNED) ? TR_F_PINNED : 0) |
                    ((b.m->flags & BF_GUARDED) ? TR_F_GUARDED : 0));
    return p;
}

void *core_alloc(size_t size, size_t align, bool zero, uint8_t how, uint32_t stack)
{
    if (wd_tls.in_ward)
        return place(size, align, zero, STACK_NONE, BF_INTERNAL, BH_MALLOC);
    enter(stack);
    void *p = place(size, align, zero, stack, 0, how);
    leave();
    return p;
}

/* ---- free ---- */

/* Why p cannot be freed: never allocated, inside a block, or freed
 * already. */
static WD_COLD void bad_free(void *p, const char *op, uint32_t stack)
{
    struct wd_block b;
    struct wd_err e = { .addr = (uintptr_t)p, .op = op, .op_stack = stack,
                        .op_ctx = wd_tls.ctx, .kind = WK_INVALID_FREE };
    char note[256];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    if (heap_find(p, &b) && b.m->state != BS_FREE) {
        e.blk = &b;
        /* BS_BUSY: a free racing this one is under way. */
        if (blk_user(&b) == (uintptr_t)p && (b.m->state == BS_QUAR || b.m->state == BS_BUSY)) {
            e.kind = WK_DOUBLE_FREE;
            struct ctx_pair first = ctx_get(b.m->free_ctx), now = ctx_get(wd_tls.ctx);
            if ((first.coro || now.coro) && first.coro != now.coro) {
                fmt_str(&f, "freed first in ");
                report_ctx(&f, b.m->free_ctx);
                fmt_str(&f, ", and again in ");
                report_ctx(&f, wd_tls.ctx);
                e.note = fmt_cstr(&f);
            }
        } else if (b.m->how == BH_NEW_ARRAY && (uintptr_t)p == blk_user(&b) + sizeof(size_t) &&
                   strcmp(op, "operator delete") == 0) {
            /* new [] of objects with destructors hands out the address
             * after the count it keeps in front of them. */
            e.note = "the block was made by operator new [] for objects with destructors, "
                     "which returned the address after its element count; release it "
                     "by operator delete []";
        }
    }
    report_error(&e);
}

/* Frees a block claimed by the caller (now BS_BUSY): checks its redzones,
 * poisons it and queues it. Traced first, before the slot can be reused
 * by anyone (a realloc traces its own record). */
static void retire_quiet(struct wd_block *b, const char *op, uint32_t stack);

static void retire(struct wd_block *b, const char *op, uint32_t stack)
{
    struct wd_meta *m = b->m;
    if (trace_on && !(m->flags & BF_INTERNAL))
        trace_free(blk_user(b), stack, blk_size(b), m->alloc_stack, m->owner,
                   ctx_get(m->alloc_ctx).coro);
    retire_quiet(b, op, stack);
}

static void retire_quiet(struct wd_block *b, const char *op, uint32_t stack)
{
    struct wd_meta *m = b->m;
    m->free_stack = stack;
    m->free_ctx = wd_tls.ctx;
    m->free_epoch = (m->flags & BF_INTERNAL) ? coro_epoch() : coro_free_epoch();
    if (!(m->flags & BF_INTERNAL)) {
        check_redzones(b, op, stack);
        owners_count_free(threads_owner_cache(), m->owner, blk_size(b));
        coro_count_free(m->alloc_ctx, blk_size(b));
        if (m->flags & BF_PINNED)
            pins_remove(blk_user(b));
        if (m->flags & BF_CORO_STACK)
            coro_stack_freed(blk_user(b));
        m->flags &= (uint8_t)~(BF_PINNED | BF_CORO_STACK);
        pat_poison(b);
        coro_note_free(blk_user(b), m->free_epoch);
    }
    publish(m, BS_QUAR);
    if (!heap_retire(b))
        unguarded_free();
    /* The quarantine counts what a block really holds: its whole slot and
     * its metadata (a freed 8-byte block keeps 80 bytes from reuse). */
    if (wd_opt.quarantine > 0 && !(m->flags & BF_INTERNAL))
        quarantine_push(b, (b->seg->kind == SEG_SMALL ? b->slot_size : blk_size(b)) +
                               sizeof *m);
    else
        core_evict(b);
}

/* Finds the live block starting at p and claims it for freeing. */
static bool claim_block(void *p, struct wd_block *b)
{
    return heap_find(p, b) && blk_user(b) == (uintptr_t)p && claim(b->m, BS_LIVE, BS_BUSY);
}

static const char *const how_made[] = { "malloc", "operator new", "operator new []" };
static const char *const how_freed[] = { "free", "operator delete", "operator delete []" };

/* A live block released by another family than the one that made it
 * (delete of malloc's, free or delete of new []'s, realloc of new's):
 * reported, and then released all the same, as memcheck does. */
static WD_COLD void check_how(const struct wd_block *b, uint8_t how, const char *op, uint32_t stack)
{
    const struct wd_meta *m = b->m;
    if (WD_LIKELY(m->how == how) || m->state != BS_LIVE || (m->flags & BF_INTERNAL) ||
        !wd_opt.alloc_dealloc_mismatch || !cxx_may_report())
        return;
    char note[160];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, "the block was made by ");
    fmt_str(&f, how_made[m->how]);
    fmt_str(&f, " and must be released by ");
    fmt_str(&f, how_freed[m->how]);
    struct wd_err e = { .kind = WK_ALLOC_DEALLOC_MISMATCH, .addr = blk_user(b), .op = op,
                        .op_stack = stack, .op_ctx = wd_tls.ctx, .blk = b,
                        .note = fmt_cstr(&f) };
    report_error(&e);
}

/* A live block that a sized operator delete was told holds another size:
 * deleted as another type than the one made (through a base class without
 * a virtual destructor), whose destructor ran in its place. */
static WD_COLD void check_size(const struct wd_block *b, size_t size, const char *op, uint32_t stack)
{
    const struct wd_meta *m = b->m;
    if (WD_LIKELY(!size || size == blk_size(b)) || m->how == BH_MALLOC ||
        m->state != BS_LIVE || (m->flags & BF_INTERNAL) || !wd_opt.new_delete_type_mismatch ||
        !cxx_may_report())
        return;
    char note[200];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, "the block holds ");
    fmt_u64(&f, blk_size(b));
    fmt_str(&f, " bytes and ");
    fmt_str(&f, op);
    fmt_str(&f, " was told ");
    fmt_u64(&f, size);
    fmt_str(&f, ": the object was deleted as another type than it was made "
                "(through a base class without a virtual destructor?)");
    struct wd_err e = { .kind = WK_NEW_DELETE_TYPE_MISMATCH, .addr = blk_user(b), .op = op,
                        .op_stack = stack, .op_ctx = wd_tls.ctx, .blk = b,
                        .note = fmt_cstr(&f) };
    report_error(&e);
}

void core_free(void *p, uint8_t how, size_t size, const char *op, uint32_t stack)
{
    struct wd_block b;
    if (!p)
        return;
    if (wd_tls.in_ward) {
        /* Ward's libraries free what they allocated; anything else they
         * hand back is left alone rather than reported from inside ward. */
        if (claim_block(p, &b))
            retire(&b, "found at free", STACK_NONE);
        return;
    }
    enter(stack);
    if (heap_find(p, &b) && blk_user(&b) == (uintptr_t)p) {
        if (WD_UNLIKELY(b.m->how != how))
            check_how(&b, how, op, stack);
        else if (WD_UNLIKELY(size))
            check_size(&b, size, op, stack);
        if (claim(b.m, BS_LIVE, BS_BUSY)) {
            retire(&b, "found at free", stack);
            leave();
            return;
        }
    }
    bad_free(p, op, stack);
    leave();
}

/* A pinned block may only be resized where it is. */
static void *realloc_pinned(struct wd_block *b, size_t size, uint32_t stack)
{
    uint64_t old = blk_size(b);
    uintptr_t user = blk_user(b);
    check_redzones(b, "found at realloc", stack);
    if (heap_resize_in_place(b, size)) {
        b->m->how = BH_MALLOC;          /* realloc's now, whoever made it */
        owners_count_resize(threads_owner_cache(), b->m->owner, old, size);
        coro_count_resize(b->m->alloc_ctx, old, size);
        pat_fill_redzones(b);
        if (trace_on)
            trace_realloc(user, user, size, stack, b->m->owner, old, b->m->alloc_stack,
                          ctx_get(b->m->alloc_ctx).coro);
        return (void *)user;
    }
    char note[160];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, "the block is pinned and cannot grow from ");
    fmt_u64(&f, old);
    fmt_str(&f, " to ");
    fmt_u64(&f, size);
    fmt_str(&f, " bytes where it is; realloc returned NULL and the block stays put");
    struct wd_err e = { .kind = WK_PINNED_MOVE, .addr = user, .op = "realloc",
                        .op_stack = stack, .op_ctx = wd_tls.ctx, .blk = b,
                        .note = fmt_cstr(&f), .also = "pinned at:",
                        .also_stack = pins_stack(user) };
    report_error(&e);
    errno = ENOMEM;
    return NULL;
}

/* Words of the old block that pointed into it now point at the old copy. */
static void report_self_references(const struct wd_block *old, uintptr_t moved_to,
                                   const struct selfref *refs, size_t n, size_t shown,
                                   uint32_t stack)
{
    char note[512];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, "realloc moved the block to ");
    fmt_hex(&f, moved_to);
    fmt_str(&f, "; ");
    fmt_u64(&f, n);
    fmt_str(&f, n == 1 ? " word in it pointed into the block itself and now dangles:"
                       : " words in it pointed into the block itself and now dangle:");
    for (size_t i = 0; i < shown; i++) {
        fmt_str(&f, i ? ", offset " : " offset ");
        fmt_u64(&f, refs[i].offset);
        fmt_str(&f, " (to offset ");
        fmt_u64(&f, refs[i].target);
        fmt_str(&f, ")");
    }
    if (shown < n)
        fmt_str(&f, ", ...");
    struct wd_err e = { .kind = WK_MOVED_SELF_REF, .warning = wd_opt.selfref != SELFREF_ERROR,
                        .addr = blk_user(old), .op = "realloc", .op_stack = stack,
                        .op_ctx = wd_tls.ctx, .blk = old, .note = fmt_cstr(&f) };
    report_error(&e);
}

/* realloc always moves a block that is not pinned, as Valgrind and ASan
 * do: a pointer kept to the old one then points to poisoned, quarantined
 * memory. */
static void *realloc_move(void *p, size_t size, uint32_t stack, bool internal)
{
    struct wd_block b, nb;
    struct selfref refs[8];
    size_t nrefs = 0;
    void *q = place_block(size, 16, false, stack, internal ? BF_INTERNAL : 0, BH_MALLOC, &nb,
                          false);
    if (q && claim_block(p, &b)) {
        uint64_t old = blk_size(&b);
        uint16_t owner = b.m->owner;    /* a moved block keeps its owner */
        memcpy(q, p, old < size ? old : size);
        if (!internal)
            nb.m->owner = owner;
        if (!internal && wd_opt.selfref != SELFREF_OFF &&
            !((b.m->flags & BF_CORO_STACK) && coro_stack_finished(blk_user(&b))))
            nrefs = selfref_find(blk_user(&b), size, old, refs, WD_ARRAY_LEN(refs));
        if (trace_on && !internal)
            trace_realloc((uintptr_t)p, (uintptr_t)q, size, stack, b.m->owner, old,
                          b.m->alloc_stack, ctx_get(b.m->alloc_ctx).coro);
        retire_quiet(&b, "found at realloc", stack);
        if (!internal)                  /* the old one is counted out: in with the new */
            owners_count_alloc(threads_owner_cache(), owner, size);
        if (nrefs)
            report_self_references(&b, (uintptr_t)q, refs, nrefs,
                                   nrefs < WD_ARRAY_LEN(refs) ? nrefs : WD_ARRAY_LEN(refs),
                                   stack);
    } else if (q) {
        /* Not a live block: leave it alone and fail like an exhausted
         * heap; the caller keeps its pointer. */
        if (claim_block(q, &b)) {
            if (!internal)              /* as if never made */
                coro_count_free(b.m->alloc_ctx, blk_size(&b));
            heap_retire(&b);
            core_evict(&b);
        }
        if (!internal)
            bad_free(p, "realloc", stack);
        errno = ENOMEM;
        q = NULL;
    }
    return q;
}

void *core_realloc(void *p, size_t size, uint32_t stack)
{
    struct wd_block b;
    if (!p)
        return core_alloc(size, 16, false, BH_MALLOC, stack);
    if (size == 0) {                    /* glibc: free it, return NULL */
        core_free(p, BH_MALLOC, 0, "realloc", stack);
        return NULL;
    }
    if (wd_tls.in_ward)
        return realloc_move(p, size, stack, true);
    enter(stack);
    void *q;
    bool found = heap_find(p, &b) && blk_user(&b) == (uintptr_t)p && b.m->state == BS_LIVE;
    if (found)
        check_how(&b, BH_MALLOC, "realloc", stack);
    if (found && (b.m->flags & BF_PINNED))
        q = realloc_pinned(&b, size, stack);
    else
        q = realloc_move(p, size, stack, false);
    leave();
    return q;
}

/* ---- the ward.h API ---- */

void *core_alloc_pinned(size_t size, uint32_t stack)
{
    enter(stack);
    void *p = place(size, 16, false, stack, BF_PINNED, BH_MALLOC);
    if (p)
        pins_add((uintptr_t)p, stack);
    leave();
    return p;
}

/* The live block starting at p, for the API calls that take one. */
static bool live_block(const void *p, struct wd_block *b)
{
    return p && heap_find(p, b) && blk_user(b) == (uintptr_t)p && b->m->state == BS_LIVE &&
           !(b->m->flags & BF_INTERNAL);
}

/* A block made through malloc on behalf of another family (see
 * preload/new.c) takes that family's name. */
void core_set_how(void *p, uint8_t how)
{
    struct wd_block b;
    if (live_block(p, &b))
        b.m->how = how;
}

int core_pin(void *p, uint32_t stack)
{
    struct wd_block b;
    if (!live_block(p, &b))
        return -1;
    enter(stack);
    b.m->flags |= BF_PINNED;
    pins_add((uintptr_t)p, stack);
    if (trace_on)
        trace_pin((uintptr_t)p, stack);
    leave();
    return 0;
}

int core_unpin(void *p)
{
    struct wd_block b;
    if (!live_block(p, &b))
        return -1;
    if (b.m->flags & BF_PINNED) {
        b.m->flags &= (uint8_t)~BF_PINNED;
        pins_remove((uintptr_t)p);
        if (trace_on)
            trace_unpin((uintptr_t)p);
    }
    return 0;
}

int core_owner_set(void *p, const char *name)
{
    struct wd_block b;
    if (!live_block(p, &b))
        return -1;
    enter(STACK_NONE);
    uint16_t to = owners_intern(name), from = b.m->owner;
    uint64_t size = blk_size(&b);
    b.m->owner = to;
    owners_count_transfer(threads_owner_cache(), from, to, size);
    if (trace_on)
        trace_owner_set((uintptr_t)p, size, from, to);
    leave();
    return 0;
}

const char *core_owner_of(const void *p)
{
    struct wd_block b;
    if (!p || !heap_find(p, &b) || b.m->state != BS_LIVE || (b.m->flags & BF_INTERNAL))
        return NULL;
    uintptr_t user = blk_user(&b);
    if ((uintptr_t)p < user || ((uintptr_t)p >= user + blk_size(&b) && (uintptr_t)p != user))
        return NULL;
    return owners_name(b.m->owner);
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

/* ---- at exit ---- */

/* Damage found while the other threads are stopped is reported once they
 * run again (writing a report may need locks they hold), from copies: by
 * then the blocks may have changed. */
struct finding {
    struct wd_seg seg;
    struct wd_meta meta;
    uintptr_t slot;
    uint64_t slot_size;
    struct pat_damage d;
    enum wd_kind kind;
};

static struct {
    struct finding *f;
    size_t n, cap;
} found;

static void keep(const struct wd_block *b, const struct pat_damage *d, enum wd_kind kind)
{
    if (found.n == found.cap) {
        size_t cap = found.cap ? 2 * found.cap : 64;
        struct finding *f = imem_grow(found.f, found.cap * sizeof *f, cap * sizeof *f);
        if (!f)
            return;
        found.f = f;
        found.cap = cap;
    }
    found.f[found.n++] = (struct finding){ *b->seg, *b->m, b->slot, b->slot_size, *d, kind };
}

static void check_at_exit(struct wd_block *b, void *arg)
{
    struct pat_damage d, below_d;
    struct wd_block below;
    (void)arg;
    if (b->m->flags & BF_INTERNAL)
        return;
    if (b->m->state == BS_QUAR) {
        if (pat_check_poison(b, &d))
            keep(b, &d, WK_USE_AFTER_FREE);
    } else if (b->m->state == BS_LIVE && redzone_damage(b, &d)) {
        /* The block below is reported for its own damage, on its turn. */
        if (!(d.below && blame_block_below(b, &below, &below_d)))
            keep(b, &d, d.below ? WK_UNDERFLOW : WK_OVERFLOW);
    }
}

void core_check_all(void)
{
    heap_foreach(check_at_exit, NULL);
}

size_t core_found_count(void)
{
    return found.n;
}

void core_report_found(uint32_t stack)
{
    for (size_t i = 0; i < found.n; i++) {
        struct finding *f = &found.f[i];
        struct wd_block b = { &f->seg, &f->meta, f->slot, f->slot_size };
        report_damage(&b, &f->d, f->kind, "found at exit", stack, false);
    }
    found.n = 0;
}

/* ---- coroutines ---- */

/* A freed block whose damage was reported is poisoned again, so that
 * later checks pass this write by and see the next one. It is claimed for
 * that (QUAR -> BUSY), and placing a block in the slot waits for the
 * claim (heap_place, while coroutines exist), so the poison never lands
 * in a block placed there meanwhile. The claim lasts a memset, with every
 * signal blocked (a handler on this thread that allocates would wait for
 * it for ever) and under a lock fork takes (a child would inherit it). */
static wd_lock claim_lock;

static void claim_lock_take(sigset_t *old)
{
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, old);
    prim_lock(&claim_lock);
}

static void claim_lock_drop(const sigset_t *old)
{
    prim_unlock(&claim_lock);
    pthread_sigmask(SIG_SETMASK, old, NULL);
}

static void poison_again(struct wd_block *b, uint32_t epoch)
{
    sigset_t old;
    claim_lock_take(&old);
    if (claim(b->m, BS_QUAR, BS_BUSY)) {
        if (b->m->free_epoch == epoch)
            pat_poison(b);
        publish(b->m, BS_QUAR);
    }
    claim_lock_drop(&old);
}

/* Threads whose coroutines yield at the same moment may all find the same
 * write before the first of them poisons the block again: the first
 * reports it. The same damage of the same freed block (its epoch, where
 * and what was written) is reported once; another write to it is new. */
static struct {
    uintptr_t user;
    uint32_t epoch;
    uintptr_t first;
    uint8_t bytes[16];
} reported[16];
static unsigned nreported;

static bool first_to_report(uintptr_t user, uint32_t epoch, const struct pat_damage *d)
{
    sigset_t old;
    bool first = true;
    claim_lock_take(&old);
    for (unsigned i = 0; i < WD_ARRAY_LEN(reported) && i < nreported && first; i++)
        first = !(reported[i].user == user && reported[i].epoch == epoch &&
                  reported[i].first == d->first &&
                  memcmp(reported[i].bytes, d->bytes, sizeof d->bytes) == 0);
    if (first) {
        unsigned k = nreported++ % WD_ARRAY_LEN(reported);
        reported[k].user = user;
        reported[k].epoch = epoch;
        reported[k].first = d->first;
        memcpy(reported[k].bytes, d->bytes, sizeof d->bytes);
    }
    claim_lock_drop(&old);
    return first;
}

void core_atfork_prepare(void) { prim_lock(&claim_lock); }
void core_atfork_parent(void)  { prim_unlock(&claim_lock); }
void core_atfork_child(void)   { prim_lock_reset(&claim_lock); }

/* Still the block freed at epoch, in quarantine: another thread may evict
 * it and place a block there at any time, whose writes are not writes
 * after free. */
static bool still_freed(const struct wd_meta *m, uint32_t epoch)
{
    return atomic_load_explicit((_Atomic uint8_t *)&m->state, memory_order_acquire) ==
               BS_QUAR &&
           __atomic_load_n(&m->free_epoch, __ATOMIC_ACQUIRE) == epoch;
}

void core_check_freed(uintptr_t user, uint32_t epoch, uint32_t found_stack, enum found_at at)
{
    struct wd_block b;
    struct pat_damage d;
    if (!heap_find((void *)user, &b) || blk_user(&b) != user || !still_freed(b.m, epoch) ||
        (b.m->flags & BF_INTERNAL) || !pat_check_poison(&b, &d) || !still_freed(b.m, epoch) ||
        !first_to_report(user, epoch, &d))
        return;
    char op[128];
    fmt_t f;
    fmt_init(&f, op, sizeof op, -1);
    /* A switch ward did not see leaves the writer unknown: any coroutine
     * may have run since ward last saw this one. */
    if (at == FOUND_AT_UNSEEN) {
        fmt_str(&f, "write found at a coroutine switch made without a call ward sees");
    } else {
        fmt_str(&f, "write found when ");
        coro_describe(&f, wd_tls.coro);
        fmt_str(&f, at == FOUND_AT_END ? " finished" : " yielded");
    }
    report_damage(&b, &d, WK_USE_AFTER_FREE, fmt_cstr(&f), found_stack, at != FOUND_AT_UNSEEN);
    poison_again(&b, epoch);
}

void core_report_stack_overflow(uintptr_t addr, void *ucontext, uintptr_t stack_block,
                                const char *note, uint32_t make_stack)
{
    struct wd_block b;
    ucontext_t *uc = ucontext;
    bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;
    wd_tls.in_ward++;
    struct wd_err e = { .kind = WK_STACK_OVERFLOW, .addr = addr, .op = write ? "write" : "read",
                        .op_ctx = wd_tls.ctx, .note = note, .also = "made at:",
                        .also_stack = make_stack, .fatal = true };
    if (stack_block && heap_find((void *)stack_block, &b))
        e.blk = &b;
    e.op_stack = stacks_capture_context(ucontext);
    report_error(&e);
    report_die();
}

struct coro_leaks {
    uint32_t coro;
    uintptr_t stack_lo, stack_hi, sp;
};

static void coro_leaks_here(void *arg)
{
    struct coro_leaks *a = arg;
    wd_tls.in_ward++;
    world_stop();
    leaks_scan_coro(a->coro, a->stack_lo, a->stack_hi, a->sp);
    /* Another coroutine ending on another thread waits to stop the world
     * until this report has read the scan's marks. */
    world_resume_threads();
    leaks_report_coro(a->coro);
    world_release();
    wd_tls.in_ward--;
}

/* Called as the coroutine ends, on its stack, which may be small: the scan
 * runs on one of ward's own. */
void core_coro_leaks(uint32_t coro, uintptr_t stack_lo, uintptr_t stack_hi)
{
    __builtin_unwind_init();
    struct coro_leaks a = { coro, stack_lo, stack_hi, prim_live_sp() };
    imem_run_on_stack(coro_leaks_here, &a);
}
