/* The range checks of libc's string functions (see access.h). */
#include "access.h"
#include "core.h"
#include "heap.h"
#include "options.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"

#include <stdatomic.h>

/* Whether the call, let go on, would fault on a guard page or a freed
 * guarded block's pages: then this report is the one the fault would have
 * made, and the process ends as it would. */
static bool would_fault(const struct wd_block *b, uintptr_t a, uintptr_t last)
{
    uintptr_t lo, hi;
    if (!(b->m->flags & BF_GUARDED))
        return false;
    if (b->m->state == BS_QUAR)
        return true;
    heap_span(b, &lo, &hi);
    return a < lo || last > hi;
}

static WD_COLD void report_access(const struct wd_block *b, uintptr_t a, size_t n,
                                  enum access_kind kind, const char *fn, void *caller)
{
    uintptr_t user = blk_user(b), end = user + blk_size(b);
    bool freed = b->m->state == BS_QUAR;
    char op[96], note[640];
    fmt_t o, f;
    struct wd_err e = { .op_ctx = wd_tls.ctx, .blk = b };
    uintptr_t last = n > UINTPTR_MAX - a ? UINTPTR_MAX : a + n;
    /* Named by the first byte the call may not touch. */
    if (freed && a < end && last > user) {
        e.kind = WK_USE_AFTER_FREE;
        e.addr = a > user ? a : user;
    } else if (a < user) {
        e.kind = WK_UNDERFLOW;
        e.addr = a;
    } else {
        e.kind = WK_OVERFLOW;
        e.addr = a > end ? a : end;
    }
    fmt_init(&o, op, sizeof op, -1);
    fmt_str(&o, kind == ACCESS_WRITE ? "write of " : "read of ");
    fmt_u64(&o, n);
    fmt_str(&o, n == 1 ? " byte by " : " bytes by ");
    fmt_str(&o, fn);
    e.op = fmt_cstr(&o);
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, fn);
    fmt_str(&f, kind == ACCESS_WRITE ? " writes [" : " reads [");
    fmt_hex(&f, a);
    fmt_str(&f, ", ");
    fmt_hex(&f, last);
    fmt_str(&f, ")");
    if (freed)
        e.note_stack = core_explain_free(&f, b, true);
    e.note = fmt_cstr(&f);
    wd_tls.in_ward++;
    e.op_stack = stacks_capture(caller);
    wd_tls.in_ward--;
    /* What a write leaves in the redzones or the poison was reported here:
     * not again at the block's free or reuse. */
    if (kind == ACCESS_WRITE)
        __atomic_fetch_or(&b->m->flags, (uint8_t)BF_ACCESS_REPORTED, __ATOMIC_RELAXED);
    e.fatal = would_fault(b, a, last);
    report_error(&e);
    if (e.fatal)
        report_die();
}

void access_check_slow(const void *p, size_t n, enum access_kind kind, const char *fn,
                       void *caller)
{
    struct wd_block b;
    uintptr_t a = (uintptr_t)p;
    /* ward's own calls (filling redzones, copying a block realloc moves)
     * and those of the libraries it calls are not the program's. */
    if (wd_state != WD_ACTIVE || wd_tls.in_ward ||
        stacks_is_ward_pc((uintptr_t)caller) || !heap_find(p, &b))
        return;
    uint8_t state = atomic_load_explicit((_Atomic uint8_t *)&b.m->state, memory_order_acquire);
    if ((state != BS_LIVE && state != BS_QUAR) || (b.m->flags & BF_INTERNAL))
        return;
    uintptr_t user = blk_user(&b);
    uint64_t size = blk_size(&b);
    if (state == BS_LIVE && a >= user && n <= user + size - a)
        return;
    report_access(&b, a, n, kind, fn, caller);
}
