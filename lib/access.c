/* The range checks of libc's string functions (see access.h). */
#include "access.h"
#include "core.h"
#include "coro.h"
#include "heap.h"
#include "prim.h"
#include "report.h"
#include "threads.h"

/* Writes reported at the call. What such a write leaves in the redzones or
 * the poison is the same bug, found again later (at the free, a yield, a
 * reuse, at exit): report_damage asks here, by block and range, so that
 * damage outside the range, a second bug of the same block, is still
 * reported. A ring: an entry pushed out means a report twice, no more.
 * Both sides only try the lock (a fork may leave it taken in the child). */
#define SEEN_MAX 64

static struct {
    struct {
        uintptr_t user, lo, hi;
        uint32_t alloc_stack;
        bool freed;         /* into the freed block: poison, not redzones */
    } w[SEEN_MAX];
    unsigned next;
    atomic_flag lock;
} seen = { .lock = ATOMIC_FLAG_INIT };

static void remember(const struct wd_block *b, uintptr_t lo, uintptr_t hi, bool freed)
{
    if (atomic_flag_test_and_set_explicit(&seen.lock, memory_order_acquire))
        return;
    unsigned i = seen.next++ % SEEN_MAX;
    seen.w[i].user = blk_user(b);
    seen.w[i].alloc_stack = b->m->alloc_stack;
    seen.w[i].lo = lo;
    seen.w[i].hi = hi;
    seen.w[i].freed = freed;
    atomic_flag_clear_explicit(&seen.lock, memory_order_release);
}

bool access_reported(const struct wd_block *b, uintptr_t lo, uintptr_t hi, bool freed)
{
    bool found = false;
    if (atomic_flag_test_and_set_explicit(&seen.lock, memory_order_acquire))
        return false;
    uintptr_t user = blk_user(b);
    for (unsigned i = 0; i < SEEN_MAX && !found; i++)
        found = seen.w[i].user == user && seen.w[i].alloc_stack == b->m->alloc_stack &&
                seen.w[i].freed == freed && seen.w[i].lo <= lo && hi <= seen.w[i].hi;
    atomic_flag_clear_explicit(&seen.lock, memory_order_release);
    return found;
}

/* Whether the call, let go on, would fault on a guard page or a freed
 * guarded block's pages: then this report is the one the fault would have
 * made, and the process ends as it would. */
static bool would_fault(const struct wd_block *b, enum access_kind kind, uintptr_t a,
                        uintptr_t last)
{
    uintptr_t lo, hi;
    if (kind == ACCESS_WRITE_REFUSED || !(b->m->flags & BF_GUARDED))
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
    bool write = kind != ACCESS_READ;
    char op[96], note[640];
    fmt_t o, f;
    struct wd_err e = { .blk = b };
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
    fmt_str(&o, write ? "write of " : "read of ");
    fmt_u64(&o, n);
    fmt_str(&o, n == 1 ? " byte by " : " bytes by ");
    fmt_str(&o, fn);
    e.op = fmt_cstr(&o);
    /* The calling coroutine may have been entered by a switch ward did not
     * see (as for a fault). */
    wd_tls.in_ward++;
    coro_sync_fault(prim_live_sp());
    wd_tls.in_ward--;
    e.op_ctx = wd_tls.ctx;
    fmt_init(&f, note, sizeof note, -1);
    fmt_str(&f, fn);
    fmt_str(&f, write ? " writes [" : " reads [");
    fmt_hex(&f, a);
    fmt_str(&f, ", ");
    fmt_hex(&f, last);
    fmt_str(&f, ")");
    if (freed)
        e.note_stack = core_explain_free(&f, b, true);
    e.note = fmt_cstr(&f);
    e.op_stack = core_capture(caller);
    if (kind == ACCESS_WRITE)
        remember(b, a, last, freed);
    e.fatal = would_fault(b, kind, a, last);
    report_error(&e);
    if (e.fatal)
        report_die();
}

void access_check_slow(const void *p, size_t n, enum access_kind kind, const char *fn,
                       void *caller)
{
    struct wd_block b;
    struct wd_meta m;
    uintptr_t a = (uintptr_t)p;
    /* ward's own calls reach libc directly (see preload/string.c); those of
     * the libraries it runs (libunwind, libdw, zstd) come with in_ward. */
    if (wd_state != WD_ACTIVE || wd_tls.in_ward || !heap_find(p, &b))
        return;
    /* Reported from a copy: another thread may free the block, or place a
     * new one in its slot, meanwhile. */
    uint8_t state = atomic_load_explicit((_Atomic uint8_t *)&b.m->state, memory_order_acquire);
    m = *b.m;
    m.state = state;
    b.m = &m;
    if ((state != BS_LIVE && state != BS_QUAR) || (m.flags & BF_INTERNAL))
        return;
    if (state == BS_LIVE && access_within(a, n, blk_user(&b), blk_size(&b)))
        return;
    report_access(&b, a, n, kind, fn, caller);
}
