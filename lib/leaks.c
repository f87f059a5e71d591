/* The exit-time leak scan (see leaks.h).
 *
 * Marking is conservative: any aligned word that points into a live
 * block's bytes (or at its start, for empty blocks) makes it reachable.
 * Untouched pages are skipped with mincore, so large reserved but unused
 * mappings cost nothing to scan. */
#define _GNU_SOURCE
#include "leaks.h"
#include "coro.h"
#include "ctx.h"
#include "heap.h"
#include "imem.h"
#include "maps.h"
#include "options.h"
#include "owners.h"
#include "prim.h"
#include "report.h"
#include "report_text.h"
#include "threads.h"
#include "trace_write.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

struct work {
    uintptr_t *item;            /* user pointers of marked, unscanned blocks */
    size_t n, cap;
};

static struct work wl;
static uintptr_t own_lo, own_hi;    /* ward's own writable data */

static void push(uintptr_t user)
{
    if (wl.n == wl.cap) {
        size_t cap = wl.cap ? wl.cap * 2 : 4096;
        uintptr_t *p = imem_grow(wl.item, wl.cap * sizeof *p, cap * sizeof *p);
        if (!p)
            return;                 /* out of memory: scan less, report less */
        wl.item = p;
        wl.cap = cap;
    }
    wl.item[wl.n++] = user;
}

static uintptr_t self_lo, self_hi; /* the block being scanned for indirect leaks */

static void mark(uintptr_t w, uint8_t flag)
{
    struct wd_block b;
    if (!arena_contains((void *)w) || w - self_lo < self_hi - self_lo ||
        !heap_find((void *)w, &b))
        return;
    struct wd_meta *m = b.m;
    if (m->state != BS_LIVE || (m->flags & (BF_INTERNAL | BF_MARK | flag)))
        return;
    uintptr_t user = blk_user(&b);
    if (w != user && (w < user || w >= user + blk_size(&b)))
        return;
    m->flags |= flag;
    push(user);
}

static WD_PROBED void scan_unsafe(uintptr_t lo, uintptr_t hi, uint8_t flag)
{
    lo = WD_ALIGN_UP(lo, sizeof(uintptr_t));
    for (uintptr_t p = lo; p + sizeof(uintptr_t) <= hi; p += sizeof(uintptr_t))
        mark(*(const uintptr_t *)p, flag);
}

/* A thread the scan could not stop may unmap what is being read; the
 * fault handler then jumps back here and the range is skipped. */
static void scan_words(uintptr_t lo, uintptr_t hi, uint8_t flag)
{
    sigjmp_buf env;
    if (sigsetjmp(env, 0)) {
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        pthread_sigmask(SIG_UNBLOCK, &segv, NULL);
        return;
    }
    wd_tls.probe = &env;
    scan_unsafe(lo, hi, flag);
    wd_tls.probe = NULL;
}

/* Scans [lo, hi) page run by page run, skipping pages never touched. */
static void scan_resident(uintptr_t lo, uintptr_t hi)
{
    unsigned char vec[256];
    uintptr_t chunk = sizeof vec * WD_PAGE;
    for (uintptr_t c = WD_ALIGN_DOWN(lo, WD_PAGE); c < hi; c += chunk) {
        uintptr_t end = c + chunk < hi ? c + chunk : WD_ALIGN_UP(hi, WD_PAGE);
        size_t pages = (end - c) / WD_PAGE;
        if (mincore((void *)c, end - c, vec) != 0)
            continue;                   /* unmapped meanwhile */
        for (size_t i = 0; i < pages; i++) {
            if (!(vec[i] & 1))
                continue;
            uintptr_t a = c + i * WD_PAGE, b = a + WD_PAGE;
            scan_words(a > lo ? a : lo, b < hi ? b : hi, BF_MARK);
        }
    }
}

/* A finished coroutine's stack, whose contents are dead: [lo, hi). */
static struct { uintptr_t lo, hi; } excluded;

/* The next part of the block at user, from pos on, not to be read: a
 * guard page of a coroutine stack in it (inaccessible) or the finished
 * coroutine's stack. Returns its start, or end; *hole_end its end. */
static uintptr_t next_hole(const struct wd_block *b, uintptr_t pos, uintptr_t end,
                           uintptr_t *hole_end)
{
    uintptr_t lo = end;
    if (b->m->flags & BF_CORO_STACK)
        lo = coro_next_guard(blk_user(b), pos, end, hole_end);
    if (excluded.hi > pos && excluded.lo < lo && excluded.lo < excluded.hi) {
        lo = excluded.lo > pos ? excluded.lo : pos;
        *hole_end = excluded.hi;
    }
    return lo;
}

/* Scans a block's bytes, around the guard pages of the coroutine stacks
 * carved from it. */
static void scan_block(const struct wd_block *b, uint8_t flag)
{
    uintptr_t pos = blk_user(b), end = pos + blk_size(b);
    while (pos < end) {
        uintptr_t hole_end = end, hole = next_hole(b, pos, end, &hole_end);
        hole = hole < pos ? pos : hole > end ? end : hole;
        scan_words(pos, hole, flag);
        pos = hole_end > hole ? hole_end : end;
    }
}

static void drain(uint8_t flag)
{
    while (wl.n) {
        uintptr_t user = wl.item[--wl.n];
        struct wd_block b;
        if (heap_find((void *)user, &b))
            scan_block(&b, flag);
    }
}

/* Which thread's stack a mapping holds, so only its live part is read.
 * *dead_from is set when it held the stack of a thread that has ended
 * (glibc keeps such stacks for reuse): the stack and the static TLS below
 * the thread pointer are dead (a block the thread kept only in a __thread
 * variable leaked when it ended, as Valgrind and LeakSanitizer report),
 * but the descriptor at the thread pointer is still on glibc's lists, with
 * the thread's TLS vector, which glibc reuses. A thread ward counts as
 * ended may still be running the program's later TLS destructors: while
 * the last thread on the stack still exists, all of it is live. */
static struct wd_thread *stack_owner(uintptr_t lo, uintptr_t hi, uintptr_t *dead_from)
{
    uint32_t n = threads_count();
    struct wd_thread *last = NULL;
    struct dead_stack d, e;
    bool dead = false;
    *dead_from = 0;
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (!t || t->stack_hi <= lo || t->stack_lo >= hi)
            continue;
        /* A thread fork left behind: its stack is whole in the child, its
         * stack pointer unknown. */
        if (atomic_load(&t->alive) || t->lost)
            return t;
        last = t;
        d = (struct dead_stack){ t->stack_lo, t->stack_hi, t->tp, t->id, t->tid };
        dead = true;
    }
    /* Threads whose records went: the newest thread on the stack counts. */
    for (uint32_t i = 0; threads_dead_stack(i, &e); i++)
        if (e.hi > lo && e.lo < hi && (!dead || e.id > d.id)) {
            d = e;
            dead = true;
            last = NULL;
        }
    if (!dead)
        return NULL;
    if (prim_thread_exists(d.tid))
        return last;                    /* NULL: all of it is live */
    /* glibc keeps a dead thread's stack whole, its descriptor at the top
     * with the self-pointer %fs:0 reads. A stack it unmapped, its place
     * mapped again by the program (in part, or whole), has lost that: the
     * mapping is all the program's. */
    uintptr_t self;
    if (!prim_read_word(d.tp, &self) || self != d.tp)
        return NULL;
    *dead_from = d.tp > lo && d.tp < hi ? d.tp : hi;
    return NULL;
}

/* Scans [lo, hi) but for ward's own ranges: the heap (its blocks are not
 * roots), ward's tables and its static data. The kernel merges adjacent
 * mappings with the same protection into one line of the maps, so a
 * program's anonymous mapping placed next to one of them comes with it. */
static void scan_outside_ward(uintptr_t lo, uintptr_t hi)
{
    uintptr_t skip[3][2] = { { wd_arena.base, wd_arena.base + wd_arena.size },
                             { 0, 0 }, { own_lo, own_hi } };
    imem_range(&skip[1][0], &skip[1][1]);
    for (unsigned i = 0; i < 3 && lo < hi; i++) {
        if (skip[i][1] <= lo || skip[i][0] >= hi || skip[i][0] >= skip[i][1])
            continue;
        if (skip[i][0] > lo)
            scan_outside_ward(lo, skip[i][0]);
        lo = skip[i][1];
    }
    if (lo < hi)
        scan_resident(lo, hi);
}

static bool scan_mapping(const struct map_ent *e, void *arg)
{
    uintptr_t lo = e->lo, hi = e->hi;
    uintptr_t *cur_sp = arg;
    if (!e->r || !e->w || !e->priv || strcmp(e->path, "[vvar]") == 0 ||
        strcmp(e->path, "[vdso]") == 0)
        return true;
    uintptr_t dead_from;
    struct wd_thread *t = stack_owner(lo, hi, &dead_from);
    if (!t && dead_from > lo)
        lo = dead_from < hi ? dead_from : hi;
    if (t) {
        uintptr_t sp = t == wd_tls.self ? *cur_sp : (atomic_load(&t->parked) ? t->sp : 0);
        /* Below the stack pointer is dead; above the stack (glibc puts the
         * thread descriptor and static TLS there) is live. */
        if (sp > lo && sp < hi)
            lo = sp;
    }
    scan_outside_ward(lo, hi);
    return true;
}

static void find_own_data(void)
{
    extern const ElfW(Ehdr) __ehdr_start;
    const ElfW(Ehdr) *eh = &__ehdr_start;
    const ElfW(Phdr) *ph = (const void *)((const char *)eh + eh->e_phoff);
    own_lo = UINTPTR_MAX;
    own_hi = 0;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_W))
            continue;
        uintptr_t lo = WD_ALIGN_DOWN((uintptr_t)eh + ph[i].p_vaddr, WD_PAGE);
        uintptr_t hi = WD_ALIGN_UP((uintptr_t)eh + ph[i].p_vaddr + ph[i].p_memsz, WD_PAGE);
        own_lo = lo < own_lo ? lo : own_lo;
        own_hi = hi > own_hi ? hi : own_hi;
    }
}

/* The stopped threads' registers, and the argument of each thread made
 * but not yet running, which only ward's record of it holds. */
static void scan_registers(void)
{
    uint32_t n = threads_count();
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (!t)
            continue;
        if (atomic_load(&t->alive) && atomic_load(&t->parked))
            scan_words((uintptr_t)t->regs, (uintptr_t)(t->regs + NGREG), BF_MARK);
        mark(atomic_load(&t->start_arg), BF_MARK);
    }
}

/* Roots in the heap itself. Blocks ward's own libraries allocated are
 * never reported, but what they point to is live (a TLS vector glibc grew
 * while libunwind ran). A block a thread was stopped in the middle of
 * freeing or moving (its contents maybe half copied) still holds what it
 * pointed to; small blocks only, whose memory is always there to read. */
static void scan_heap_roots(struct wd_block *b, void *arg)
{
    struct wd_meta *m = b->m;
    (void)arg;
    if (m->state == BS_LIVE && (m->flags & BF_INTERNAL))
        scan_block(b, BF_MARK);
    else if (m->state == BS_BUSY && b->seg->kind == SEG_SMALL && !(m->flags & BF_INTERNAL) &&
             (uint64_t)m->off + m->size <= b->slot_size)
        scan_block(b, BF_MARK);
}

/* In a child made by fork, the other threads of the parent are gone, and
 * with them their registers: a block one of them held only there (between
 * malloc and the store) would look leaked. Their blocks are the parent's
 * to report, so here they count as reachable, and so does what they
 * point to. */
static void mark_lost_threads(struct wd_block *b, void *arg)
{
    (void)arg;
    struct wd_meta *m = b->m;
    if (m->state != BS_LIVE || (m->flags & (BF_INTERNAL | BF_MARK)))
        return;
    struct wd_thread *t = threads_get(ctx_get(m->alloc_ctx).thread);
    if (t && t->lost) {
        m->flags |= BF_MARK;
        push(blk_user(b));
    }
}

/* False when the mappings could not be read: without their roots, every
 * block only they reach would be reported as leaked. */
static __attribute__((noinline)) bool mark_roots(uintptr_t sp)
{
    ucontext_t uc;
    /* Our own general registers, as for the stopped threads; not the
     * vector registers, where ward's own checks just left a block's
     * address. */
    getcontext(&uc);
    scan_words((uintptr_t)uc.uc_mcontext.gregs, (uintptr_t)(uc.uc_mcontext.gregs + NGREG),
               BF_MARK);
    scan_registers();
    find_own_data();
    if (!maps_foreach(scan_mapping, &sp))
        return false;
    heap_foreach(scan_heap_roots, NULL);
    if (threads_lost_any())
        heap_foreach(mark_lost_threads, NULL);
    drain(BF_MARK);
    return true;
}

/* ---- grouping and the report ---- */

struct group {
    uint32_t stack;
    uint32_t ctx;
    uint16_t owner;
    bool     indirect;
    bool     many_threads;          /* blocks of it came from other threads */
    bool     many_coros;            /* ... or other coroutines of the thread */
    uint64_t bytes, blocks;
};

static struct {
    struct group *g;
    size_t n, cap;
    struct leak_totals tot;
    uint64_t *owner_bytes;          /* leaked bytes by owner */
    uint64_t *owner_blocks;
    bool skipped;                   /* the roots could not be read */
} lk;

static struct group *group_for(const struct wd_meta *m, bool indirect)
{
    /* Linear probing over a table kept at most half full. */
    if (lk.n * 2 >= lk.cap) {
        size_t cap = lk.cap ? lk.cap * 2 : 1024;
        struct group *g = imem_alloc(cap * sizeof *g);
        if (!g)
            return NULL;
        for (size_t i = 0; i < lk.cap; i++) {
            if (!lk.g[i].blocks)
                continue;
            size_t j = (lk.g[i].stack * 2654435761u + lk.g[i].owner) & (cap - 1);
            while (g[j].blocks)
                j = (j + 1) & (cap - 1);
            g[j] = lk.g[i];
        }
        imem_free(lk.g, lk.cap * sizeof *g);
        lk.g = g;
        lk.cap = cap;
    }
    size_t j = (m->alloc_stack * 2654435761u + m->owner) & (lk.cap - 1);
    for (;; j = (j + 1) & (lk.cap - 1)) {
        struct group *g = &lk.g[j];
        if (!g->blocks) {
            *g = (struct group){ m->alloc_stack, m->alloc_ctx, m->owner, indirect, false, 0, 0 };
            lk.n++;
            return g;
        }
        if (g->stack == m->alloc_stack && g->owner == m->owner && g->indirect == indirect)
            return g;
    }
}

static void find_indirect(struct wd_block *b, void *arg)
{
    (void)arg;
    struct wd_meta *m = b->m;
    if (m->state != BS_LIVE || (m->flags & (BF_INTERNAL | BF_MARK)))
        return;
    /* What a leaked block points to is leaked only indirectly; what it
     * points to in itself (a self-linked list head) is not. */
    self_lo = blk_user(b);
    self_hi = self_lo + blk_size(b);
    scan_block(b, BF_INDIRECT);
    self_lo = self_hi = 0;
    wl.n = 0;
}

static uint32_t only_coro;         /* 0: every block; else that coroutine's */

static void tally(struct wd_block *b, void *arg)
{
    (void)arg;
    struct wd_meta *m = b->m;
    uint64_t size = blk_size(b);
    if (m->state != BS_LIVE || (m->flags & BF_INTERNAL))
        return;
    bool counted = !(m->flags & BF_REPORTED) &&
                   (!only_coro || ctx_get(m->alloc_ctx).coro == only_coro);
    if (!counted) {
        m->flags &= (uint8_t)~(BF_MARK | BF_INDIRECT);
        return;
    }
    if (only_coro && !(m->flags & BF_MARK))
        m->flags |= BF_REPORTED;
    if (m->flags & BF_MARK) {
        lk.tot.reachable_bytes += size;
        lk.tot.reachable_blocks++;
    } else {
        struct group *g = group_for(m, m->flags & BF_INDIRECT);
        if (g) {
            g->bytes += size;
            g->blocks++;
            if (g->ctx != m->alloc_ctx) {
                bool same = ctx_get(g->ctx).thread == ctx_get(m->alloc_ctx).thread;
                g->many_threads |= !same;
                g->many_coros |= same;
            }
        }
        lk.tot.leaked_bytes += size;
        lk.tot.leaked_blocks++;
        if (lk.owner_bytes) {
            lk.owner_bytes[m->owner] += size;
            lk.owner_blocks[m->owner]++;
        }
    }
    m->flags &= (uint8_t)~(BF_MARK | BF_INDIRECT);
}

/* By owner, the owner leaking most first; within an owner, direct leaks
 * first (fixing them often fixes the indirect ones), then by bytes and
 * blocks, largest first. */
static int by_bytes(const void *a, const void *b)
{
    const struct group *x = a, *y = b;
    if (x->owner != y->owner && lk.owner_bytes) {
        uint64_t bx = lk.owner_bytes[x->owner], by = lk.owner_bytes[y->owner];
        if (bx != by)
            return bx < by ? 1 : -1;
        return x->owner < y->owner ? -1 : 1;
    }
    if (x->indirect != y->indirect)
        return x->indirect ? 1 : -1;
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return x->blocks < y->blocks ? 1 : x->blocks > y->blocks ? -1 : 0;
}

static void bytes_blocks(fmt_t *f, uint64_t bytes, uint64_t blocks)
{
    fmt_u64(f, bytes);
    fmt_str(f, bytes == 1 ? " byte in " : " bytes in ");
    fmt_u64(f, blocks);
    fmt_str(f, blocks == 1 ? " block" : " blocks");
}

static void print_owner(fmt_t *f, uint16_t owner)
{
    report_prefix(f);
    fmt_str(f, "leaks of owner \"");
    fmt_str(f, owners_name(owner));
    fmt_str(f, "\": ");
    bytes_blocks(f, lk.owner_bytes[owner], lk.owner_blocks[owner]);
    fmt_str(f, "\n");
}

static void print_group(fmt_t *f, const struct group *g)
{
    struct rt_report r = {
        .kind = RT_LEAK, .alloc_stack = g->stack, .alloc_ctx = report_rt_ctx(g->ctx),
        .owner = g->owner, .owner_name = owners_name(g->owner), .leak_bytes = g->bytes,
        .leak_blocks = g->blocks, .indirect = g->indirect, .many_threads = g->many_threads,
        .many_coros = g->many_coros,
    };
    report_write(f, &r);
    report_count_error();
}

/* A suppressed group leaves the report and its totals. */
static bool suppressed(const struct group *g)
{
    if (report_suppressing_rule(RT_LEAK, g->stack, g->bytes) < 0)
        return false;
    lk.tot.leaked_bytes -= g->bytes;
    lk.tot.leaked_blocks -= g->blocks;
    if (lk.owner_bytes) {
        lk.owner_bytes[g->owner] -= g->bytes;
        lk.owner_blocks[g->owner] -= g->blocks;
    }
    return true;
}

static void print_report(const char *headline)
{
    size_t n = 0;
    fmt_t *f = report_open();
    for (size_t i = 0; i < lk.cap; i++)
        if (lk.g[i].blocks && !suppressed(&lk.g[i]))
            lk.g[n++] = lk.g[i];
    if (n == 0) {
        report_close(f);
        lk.tot.groups = 0;
        return;
    }
    qsort(lk.g, n, sizeof *lk.g, by_bytes);
    if (headline) {
        report_prefix(f);
        fmt_str(f, headline);
    }
    for (size_t i = 0; i < n; i++) {
        if (lk.owner_bytes && (i == 0 || lk.g[i].owner != lk.g[i - 1].owner))
            print_owner(f, lk.g[i].owner);
        print_group(f, &lk.g[i]);
    }
    report_prefix(f);
    fmt_str(f, "SUMMARY: ");
    fmt_u64(f, lk.tot.leaked_bytes);
    fmt_str(f, " bytes leaked in ");
    fmt_u64(f, lk.tot.leaked_blocks);
    fmt_str(f, lk.tot.leaked_blocks == 1 ? " block (" : " blocks (");
    fmt_u64(f, n);
    fmt_str(f, n == 1 ? " report); " : " reports); ");
    fmt_u64(f, lk.tot.reachable_bytes);
    fmt_str(f, " bytes in ");
    fmt_u64(f, lk.tot.reachable_blocks);
    fmt_str(f, lk.tot.reachable_blocks == 1 ? " block still reachable\n"
                                             : " blocks still reachable\n");
    report_close(f);
    lk.tot.groups = n;
}

static void reset(void)
{
    imem_free(lk.owner_bytes, (OWNER_MAX + 1) * sizeof *lk.owner_bytes);
    imem_free(lk.owner_blocks, (OWNER_MAX + 1) * sizeof *lk.owner_blocks);
    imem_free(lk.g, lk.cap * sizeof *lk.g);
    memset(&lk, 0, sizeof lk);
    lk.owner_bytes = imem_alloc((OWNER_MAX + 1) * sizeof *lk.owner_bytes);
    lk.owner_blocks = imem_alloc((OWNER_MAX + 1) * sizeof *lk.owner_blocks);
    if (!lk.owner_blocks)
        lk.owner_bytes = NULL;
}

/* Clears the marks of a scan given up. */
static void unmark(struct wd_block *b, void *arg)
{
    (void)arg;
    b->m->flags &= (uint8_t)~(BF_MARK | BF_INDIRECT);
}

static void scan(uintptr_t sp)
{
    if (!mark_roots(sp)) {
        wl.n = 0;
        heap_foreach(unmark, NULL);
        lk.skipped = true;          /* said once the world runs again */
        return;
    }
    heap_foreach(find_indirect, NULL);
    heap_foreach(tally, NULL);
}

void leaks_scan(uintptr_t sp)
{
    reset();
    only_coro = 0;
    excluded.lo = excluded.hi = 0;
    scan(sp);
}

static void say_skipped(void)
{
    if (lk.skipped)
        report_warning_once("leak check skipped: /proc/self/maps could not be read (a "
                            "seccomp filter refused it, or /proc is not mounted)");
}

struct leak_totals leaks_report(void)
{
    say_skipped();
    if (lk.tot.leaked_blocks)
        print_report(NULL);
    return lk.tot;
}

void leaks_scan_coro(uint32_t coro, uintptr_t dead_lo, uintptr_t dead_hi, uintptr_t sp)
{
    reset();
    only_coro = coro;
    excluded.lo = dead_lo;
    excluded.hi = dead_hi;
    scan(sp);
    excluded.lo = excluded.hi = 0;
}

void leaks_report_coro(uint32_t coro)
{
    say_skipped();
    char head[160];
    fmt_t f;
    fmt_init(&f, head, sizeof head, -1);
    coro_describe(&f, coro);
    fmt_str(&f, " finished without freeing blocks that nothing points to any more:\n");
    if (lk.tot.leaked_blocks)
        print_report(fmt_cstr(&f));
    only_coro = 0;
}
