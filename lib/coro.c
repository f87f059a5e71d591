/* Coroutine records, switches, stack guards and their reports (see
 * coro.h).
 *
 * Time is counted in switch epochs: a global counter bumped at every
 * switch. A coroutine's suspensions are intervals of epochs; a freed block
 * records the epoch of its free. "Freed while C was suspended" is then
 * "free_epoch in one of C's intervals". */
#define _GNU_SOURCE
#include "coro.h"
#include "core.h"
#include "ctx.h"
#include "dir.h"
#include "imem.h"
#include "options.h"
#include "patterns.h"
#include "pins.h"
#include "prim.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"
#include "trace_format.h"
#include "trace_write.h"

#include <limits.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#define CHUNK_SHIFT 10
#define CHUNK       (1u << CHUNK_SHIFT)
#define MAX_ID      INT32_MAX           /* ward.h hands ids out as int */
#define FREE_LOG    1024            /* frees remembered per thread */
#define STACK_BITS  18              /* 4 MiB: hashed, so touched all over */
#define STACK_HASH  (1u << STACK_BITS)
#define STACK_TOMB  ((uintptr_t)1)  /* a freed stack block's slot, for reuse */
#define STACK_PROBE 256             /* a full neighbourhood: the block goes unnamed */
#define FOREIGN_MAX (1u << 20)

/* Each thread logs its frees; a coroutine that yields checks the logs of
 * every thread, since it may have been resumed on another thread than the
 * one that freed (boost.fiber moves fibers between threads). Others read
 * a log without a lock: an entry read half-written names a block whose
 * free epoch does not match, and core_check_freed passes over it. */
struct free_log {
    _Atomic unsigned next;          /* total appended; the ring holds the last FREE_LOG */
    _Atomic uint32_t newest;        /* the epoch of the last entry */
    struct free_log *spare;         /* in co.spare: its thread has ended */
    struct { _Atomic uintptr_t user; _Atomic uint32_t epoch; } e[FREE_LOG];
};

#define MAX_LOGS 4096               /* threads whose logs others read */

/* Records come in chunks of CHUNK consecutive ids. Once every coroutine
 * of a chunk has ended for good (finished, or its stack freed or
 * unmapped), the chunk leaves the directory, so a server that makes a
 * coroutine per request keeps the records of the ones alive, not of every
 * one it ever made. Readers look records up without a lock and may hold
 * one a moment after: a reclaimed chunk is parked (dir.h) before its
 * memory serves new ids, and it is never unmapped. */
struct coro_chunk {
    struct dir_parked park;
    _Atomic uint32_t dead;          /* its coroutines buried (see bury) */
    struct wd_coro rec[CHUNK];
};

static struct {
    wd_lock lock;
    struct wd_dir dir;              /* id >> CHUNK_SHIFT -> chunk, NULL once reclaimed */
    _Atomic uint32_t low_due;       /* the lowest chunk whose last coroutine was
                                       buried since the last sweep, or UINT32_MAX */
    uint64_t reclaimed;             /* records reclaimed */
    struct dir_park parked;
    struct wd_dir names;            /* of reclaimed chunks: the owner id of the name
                                       all its coroutines had, or none */
    _Atomic uint32_t count;         /* ids handed out, plus one (0 is reserved) */
    _Atomic uint32_t gen;           /* bumped when a stack starts or stops being a
                                       coroutine's: lookups by stack pointer redo */
    _Atomic uint32_t epoch;
    struct { uintptr_t block; uint32_t coro; } *stacks;  /* stack block -> coroutine */
    _Atomic bool used;              /* any coroutine ever made */
    /* Live coroutines whose stacks are not heap blocks (mmap'd stacks, a
     * part of a thread's stack): a stack pointer there is looked up in
     * this list; one in the heap through its block. Past FOREIGN_MAX, the
     * walk over every coroutine. */
    uint32_t *foreign;
    _Atomic uint32_t nforeign;
    _Atomic bool foreign_full;
    _Atomic bool on_thread_stacks;  /* a coroutine was made on a thread's stack */
    struct free_log *logs[MAX_LOGS];  /* every log, never freed */
    _Atomic uint32_t nlogs;
    struct free_log *spare;         /* logs of ended threads, for new ones */
} co;

static WD_TLS struct free_log *flog;
static WD_TLS unsigned flog_base;   /* entries of flog below this are an ended thread's */

bool coro_init(void)
{
    co.stacks = imem_alloc(STACK_HASH * sizeof *co.stacks);
    atomic_store(&co.count, 1);
    atomic_store(&co.low_due, UINT32_MAX);
    return co.stacks != NULL;
}

static struct coro_chunk *chunk_of(uint32_t id)
{
    return dir_get(&co.dir, id >> CHUNK_SHIFT);
}

struct wd_coro *coro_get(uint32_t id)
{
    if (id == 0 || id >= atomic_load(&co.count))
        return NULL;
    struct coro_chunk *k = chunk_of(id);
    return k ? &k->rec[id & (CHUNK - 1)] : NULL;
}

/* The newest kept coroutine below id for which ok(c, arg) holds: the
 * searches over every record, which skip reclaimed chunks whole. */
static struct wd_coro *search_below(uint32_t id, bool (*ok)(const struct wd_coro *, uintptr_t),
                                    uintptr_t arg)
{
    while (id > 1) {
        struct coro_chunk *k = chunk_of(--id);
        if (!k) {
            id &= ~(CHUNK - 1);             /* the chunk's first id; on below it */
            continue;
        }
        struct wd_coro *c = &k->rec[id & (CHUNK - 1)];
        if (ok(c, arg))
            return c;
    }
    return NULL;
}

uint32_t coro_count(void)
{
    return atomic_load(&co.count) - 1;
}

uint32_t coro_current(void)
{
    return wd_tls.coro;
}

uint32_t coro_epoch(void)
{
    return atomic_load_explicit(&co.epoch, memory_order_relaxed);
}

/* The suspension history of what runs: a coroutine, or the thread's own
 * stack. */
static struct wd_coro *record(uint32_t id)
{
    if (id)
        return coro_get(id);
    struct wd_thread *t = wd_tls.self;
    if (t && !t->own_coro)
        t->own_coro = imem_alloc(sizeof *t->own_coro);
    return t ? t->own_coro : NULL;
}

/* ---- the stack-block table: which coroutine a stack block belongs to ---- */

static uint32_t stack_slot(uintptr_t block)
{
    return (uint32_t)((block >> 4) * 0x9E3779B97F4A7C15ull >> (64 - STACK_BITS));
}

/* A new entry publishes its block after its coroutine, and a freed
 * block's entry becomes a tombstone that a later one may take, so readers
 * (the fault handler among them) take no lock. The entry names the newest
 * coroutine with a stack in the block; each names the one before it (a
 * scheduler may carve many stacks from one block). False when the
 * block's neighbourhood of the table is full. Called with co.lock held. */
static bool stacks_put(uintptr_t block, uint32_t coro)
{
    uint32_t i = stack_slot(block), room = UINT32_MAX;
    for (uint32_t k = 0; k < STACK_PROBE; k++, i = (i + 1) & (STACK_HASH - 1)) {
        uintptr_t b = co.stacks[i].block;
        if (b == block) {
            room = i;
            break;
        }
        if (b == STACK_TOMB && room == UINT32_MAX)
            room = i;
        if (b == 0) {
            if (room == UINT32_MAX)
                room = i;
            break;
        }
    }
    if (room == UINT32_MAX)
        return false;
    __atomic_store_n(&co.stacks[room].coro, coro, __ATOMIC_RELEASE);
    __atomic_store_n(&co.stacks[room].block, block, __ATOMIC_RELEASE);
    return true;
}

static uint32_t stacks_get_coro(uintptr_t block)
{
    for (uint32_t i = stack_slot(block), k = 0; k < STACK_PROBE; k++, i = (i + 1) & (STACK_HASH - 1)) {
        uintptr_t b = __atomic_load_n(&co.stacks[i].block, __ATOMIC_ACQUIRE);
        if (b == block)
            return __atomic_load_n(&co.stacks[i].coro, __ATOMIC_ACQUIRE);
        if (b == 0)
            break;
    }
    return 0;
}

/* The block was freed: its entry may go. Called with co.lock held. */
static void stacks_drop(uintptr_t block)
{
    for (uint32_t i = stack_slot(block), k = 0; k < STACK_PROBE; k++, i = (i + 1) & (STACK_HASH - 1)) {
        uintptr_t b = co.stacks[i].block;
        if (b == block) {
            __atomic_store_n(&co.stacks[i].block, STACK_TOMB, __ATOMIC_RELEASE);
            return;
        }
        if (b == 0)
            return;
    }
}

/* The coroutines with a stack in the block at user, newest first. Links
 * only point to older ids, so a walk ends. */
static struct wd_coro *first_in(uintptr_t user)
{
    struct wd_coro *c = coro_get(stacks_get_coro(user));
    return c && c->stack_block == user ? c : NULL;
}

static struct wd_coro *next_in(const struct wd_coro *c)
{
    uint32_t id = __atomic_load_n(&c->older, __ATOMIC_ACQUIRE);
    struct wd_coro *n = id < c->id ? coro_get(id) : NULL;
    return n && n->stack_block == c->stack_block ? n : NULL;
}

static bool stack_dead(const struct wd_coro *c)
{
    return atomic_load(&c->stack_freed) || atomic_load(&c->state) == CORO_EXITED;
}

/* ---- reclaiming records ---- */

/* c has ended for good: it finished, or its stack is gone. Counted once;
 * the last of a chunk makes the chunk due, swept at the next creation
 * (here co.lock may be held). */
static void bury(struct wd_coro *c)
{
    bool no = false;
    if (!atomic_compare_exchange_strong(&c->buried, &no, true))
        return;
    struct coro_chunk *k = chunk_of(c->id);
    if (!k || atomic_fetch_add(&k->dead, 1) + 1 != CHUNK)
        return;
    dir_due(&co.low_due, c->id >> CHUNK_SHIFT);
}

/* A finished coroutine runs again (coro_restart): its chunk must stay. */
static void unbury(struct wd_coro *c)
{
    bool yes = true;
    struct coro_chunk *k = chunk_of(c->id);
    if (k && atomic_compare_exchange_strong(&c->buried, &yes, false))
        atomic_fetch_sub(&k->dead, 1);
}

/* c's record goes: the stack block's list of coroutines skips it (the
 * table names the next older one, or drops the block), so that
 * coroutines still running in the block stay found. Called locked. */
static void unlink_stack(const struct wd_coro *c)
{
    uint32_t head = stacks_get_coro(c->stack_block);
    uint32_t older = __atomic_load_n(&c->older, __ATOMIC_ACQUIRE);
    if (head == c->id) {
        if (older && coro_get(older))
            stacks_put(c->stack_block, older);
        else
            stacks_drop(c->stack_block);
        return;
    }
    for (struct wd_coro *p = first_in(c->stack_block); p; p = next_in(p))
        if (__atomic_load_n(&p->older, __ATOMIC_ACQUIRE) == c->id) {
            __atomic_store_n(&p->older, older, __ATOMIC_RELEASE);
            return;
        }
}

static void foreign_compact(uint32_t *n, bool now);

/* The owner id of the name every coroutine of the chunk had, or 0. */
static uint16_t shared_name(const struct coro_chunk *k, uint32_t index)
{
    uint32_t first = index ? 0 : 1;     /* id 0 names no coroutine */
    uint16_t owner = k->rec[first].name[0] ? k->rec[first].owner : 0;
    for (uint32_t i = first + 1; i < CHUNK && owner; i++)
        if (!k->rec[i].name[0] || k->rec[i].owner != owner)
            owner = 0;
    return owner;
}

static void reclaim(uint32_t index, struct coro_chunk *k)
{
    uint32_t n = atomic_load(&co.nforeign);
    dir_set(&co.names, index, (void *)(uintptr_t)shared_name(k, index));
    for (uint32_t i = CHUNK; i-- > 0;)
        if (k->rec[i].stack_block)
            unlink_stack(&k->rec[i]);
    /* The list of foreign stacks holds the chunk's ids until compacted:
     * every one of them is dead. */
    if (co.foreign)
        foreign_compact(&n, true);
    dir_set(&co.dir, index, NULL);
    atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
    dir_park(&co.parked, k);
    co.reclaimed += index ? CHUNK : CHUNK - 1;     /* id 0 is none */
}

/* Reclaims the chunks that came due since the last sweep; true if it
 * looked. Locked. */
static bool sweep(void)
{
    uint32_t from = atomic_exchange(&co.low_due, UINT32_MAX);
    if (from == UINT32_MAX)
        return false;
    /* Chunks mostly end in the order they were made: from is near last. */
    uint32_t last = (atomic_load(&co.count) - 1) >> CHUNK_SHIFT;
    for (uint32_t i = from; i <= last; i++) {
        struct coro_chunk *k = chunk_of(i << CHUNK_SHIFT);
        if (k && atomic_load(&k->dead) == CHUNK)
            reclaim(i, k);
    }
    return true;
}

bool coro_pair_gone(struct ctx_pair p)
{
    uint32_t id = p.coro;
    return threads_gone(p.thread) || (id && id < atomic_load(&co.count) && !coro_get(id));
}

/* ---- creation and stack guards ---- */

/* How a stack's guard page was made. A guard marker (Linux 6.13 on)
 * splits no mapping and costs half what mprotect does (a coroutine made,
 * run and freed: 3.7 us against 5.8), but drops the page's bytes, which
 * read as zeros afterwards. So it is used only on a page that holds
 * nothing of the program's: zeros, or ward's patterns. A page the program
 * wrote (schedulers paint stacks to measure them) gets mprotect, which
 * keeps the bytes but splits the mapping, within a share of the kernel's
 * budget of mappings (vm.max_map_count); past it, markers after all
 * (only the bottom of a stack no frame reached is lost), and where
 * markers are refused, mprotect goes on within the heap's own budget. */
enum guard_kind { GK_MPROTECT, GK_MARKER, GK_MPROTECT_HEAP };

static _Atomic long mprotected;     /* GK_MPROTECT guards in place */
static _Atomic int refused;         /* markers the kernel refused in a row */

#define REFUSED_MAX 8               /* then it has none (before Linux 6.13) */

static long mprotect_share(void)
{
    static long share;
    if (!share)
        share = prim_max_map_count() / 16;
    return share;
}

/* A page in locked memory is refused too: only refusals in a row say the
 * kernel has no markers. */
static bool markers_usable(void)
{
    return wd_opt.guard_markers &&
           atomic_load_explicit(&refused, memory_order_relaxed) < REFUSED_MAX;
}

static bool mark(uintptr_t g)
{
    if (!markers_usable())
        return false;
    if (prim_mark((void *)g, WD_PAGE)) {
        atomic_store_explicit(&refused, 0, memory_order_relaxed);
        return true;
    }
    atomic_fetch_add_explicit(&refused, 1, memory_order_relaxed);
    return false;
}

/* With swap, a page not in memory may hold anything. Asked at most once a
 * second: sysinfo costs 0.3 us, a tenth of a coroutine's whole life. */
static bool swap_on(void)
{
    static _Atomic uint64_t asked;
    static _Atomic bool on;
    uint64_t now = prim_now_ns();
    if (now - atomic_load_explicit(&asked, memory_order_relaxed) > 1000000000ull) {
        atomic_store_explicit(&on, prim_swap_on(), memory_order_relaxed);
        atomic_store_explicit(&asked, now, memory_order_relaxed);
    }
    return atomic_load_explicit(&on, memory_order_relaxed);
}

static bool ward_byte(uint8_t v)
{
    return v == 0 || v == PAT_FREED || v == PAT_REDZONE;
}

/* Whether [lo, lo + n) holds only what ward or a fresh page leaves there:
 * zeros and ward's patterns. A word all one of them is taken whole. */
static bool only_ward_bytes(uintptr_t lo, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull;
    for (size_t i = 0; i < n; i += 8) {
        uint64_t w = 0;
        size_t len = n - i < 8 ? n - i : 8;
        memcpy(&w, (const void *)(lo + i), len);     /* lo may be unaligned */
        if (len == 8 && (w == 0 || w == ones * PAT_FREED || w == ones * PAT_REDZONE))
            continue;
        for (size_t k = 0; k < len; k++)
            if (!ward_byte((uint8_t)(w >> (8 * k))))
                return false;
    }
    return true;
}

/* Nothing but zeros and ward's patterns: nothing a marker would lose.
 * Without swap, a page not in memory is zeros and is not read: faulting it
 * in only for the marker to drop it again would cost as much as mprotect. */
static bool page_unwritten(uintptr_t g)
{
    unsigned char in_core = 1;
    if (!swap_on() && mincore((void *)g, WD_PAGE, &in_core) == 0 && !(in_core & 1))
        return true;
    return only_ward_bytes(g, WD_PAGE);
}

/* painted: the program wrote its own bytes at the bottom of the stack (a
 * pattern, to measure the stack's use): a marker would lose them. */
static bool guard_page(struct wd_coro *c, uintptr_t g, bool painted)
{
    if (!painted && markers_usable() && page_unwritten(g) && mark(g)) {
        c->guard_kind = GK_MARKER;
    } else if (atomic_load(&mprotected) < mprotect_share() && prim_protect_none((void *)g, WD_PAGE)) {
        atomic_fetch_add(&mprotected, 1);
        c->guard_kind = GK_MPROTECT;
    } else if (!painted && mark(g)) {
        c->guard_kind = GK_MARKER;
    } else if (heap_guard_limit() != HEAP_LIMIT_MAPS && prim_protect_none((void *)g, WD_PAGE)) {
        heap_count_mapping(1);
        c->guard_kind = GK_MPROTECT_HEAP;
    } else {
        return false;
    }
    c->guard_lo = g;
    c->guard_hi = g + WD_PAGE;
    return true;
}

static void unguard(struct wd_coro *c)
{
    if (c->guard_hi > c->guard_lo) {
        void *lo = (void *)c->guard_lo;
        size_t n = c->guard_hi - c->guard_lo;
        if (c->guard_kind == GK_MARKER) {
            prim_unmark(lo, n);
        } else {
            prim_protect_rw(lo, n);
            if (c->guard_kind == GK_MPROTECT)
                atomic_fetch_sub(&mprotected, 1);
            else
                heap_count_mapping(-1);
        }
    }
    c->guard_lo = c->guard_hi = 0;
}

/* Switchers may keep a canary at the very bottom of a stack: GNU Pth
 * writes 0xDEAD there, and its scheduler checks it with every signal
 * blocked, so a fault there kills the process before ward can help. Bytes
 * there that ward did not leave (zeros of fresh pages, the pattern of
 * freed memory) say the program uses them. */
#define BOTTOM_BYTES 64

static bool bottom_in_use(uintptr_t lo)
{
    return !only_ward_bytes(lo, BOTTOM_BYTES);
}

/* Pins the block of c's stack and makes the lowest whole page of the stack
 * inaccessible (the next one, if the program keeps something at the
 * bottom), so running off the stack faults there. */
static void protect_stack(struct wd_coro *c, struct wd_block *b, bool inherit_pin)
{
    uintptr_t lo = c->stack_lo, hi = c->stack_hi;
    c->pinned = inherit_pin || !(b->m->flags & BF_PINNED);
    b->m->flags |= BF_PINNED | BF_CORO_STACK;
    if (c->pinned)
        pins_add(c->stack_block, c->make_stack);
    bool painted = hi - lo > BOTTOM_BYTES && bottom_in_use(lo);
    uintptr_t g = WD_ALIGN_UP(painted ? lo + BOTTOM_BYTES : lo, WD_PAGE);
    if (g + 2 * WD_PAGE > hi)
        return;                             /* too small to spare a page */
    if (!guard_page(c, g, painted))
        report_warning_once("too many guarded blocks for the kernel's limit on mappings "
                            "(vm.max_map_count); new coroutine stacks are not guarded");
}

/* The live heap block c's stack lies in, if any. */
static bool stack_block_of(const struct wd_coro *c, struct wd_block *b)
{
    uintptr_t lo = c->stack_lo, hi = c->stack_hi;
    return lo && heap_find((void *)lo, b) && b->m->state == BS_LIVE && lo >= blk_user(b) &&
           hi <= blk_user(b) + blk_size(b);
}

/* The same, if it is still the block c was guarded in. */
static bool own_stack_block(const struct wd_coro *c, struct wd_block *b)
{
    return c->stack_block && stack_block_of(c, b) && blk_user(b) == c->stack_block;
}

static void finish(struct wd_coro *c);

/* Coroutines that end with their stack (boost.context's) and whose stack
 * is freed, unmapped, or taken by a new coroutine (a pool's stack reused)
 * have ended. */
#define ENDED_MAX 16
struct ended {
    uint32_t id[ENDED_MAX];
    unsigned n;
};

/* c's stack is gone. It is buried now, unless end_all will finish it
 * (which buries it): its record must last until then. */
static void note_end(struct ended *e, struct wd_coro *c)
{
    atomic_store(&c->stack_freed, true);
    if (c->ends_with_stack && atomic_load(&c->state) != CORO_EXITED && e->n < ENDED_MAX)
        e->id[e->n++] = c->id;
    else
        bury(c);
}

/* Outside co.lock: finishing may scan for leaks (coro_leaks=1). */
static void end_all(const struct ended *e)
{
    for (unsigned i = 0; i < e->n; i++) {
        struct wd_coro *c = coro_get(e->id[i]);
        int state = c ? atomic_load(&c->state) : CORO_EXITED;
        if (state != CORO_EXITED && atomic_compare_exchange_strong(&c->state, &state, CORO_EXITED))
            finish(c);
    }
}

/* A new coroutine's stack inside a live heap block: it joins the block's
 * coroutines, and those whose stacks it overlaps no longer run there (the
 * context is being remade); they, and those whose block was freed, leave
 * the list, the pin ward put on the block going to the new one. Then its
 * stack is protected. */
static void guard_stack(struct wd_coro *c)
{
    struct wd_block b;
    struct ended ended = { .n = 0 };
    bool inherit_pin = false;
    if (!stack_block_of(c, &b))
        return;
    uintptr_t user = blk_user(&b);
    c->stack_block = user;
    prim_lock(&co.lock);
    uint32_t *link = &c->older;
    for (struct wd_coro *p = first_in(user); p; p = next_in(p)) {
        bool overlaps = p->stack_lo < c->stack_hi && c->stack_lo < p->stack_hi;
        bool freed = atomic_load(&p->stack_freed);
        if (overlaps || freed) {
            unguard(p);
            inherit_pin |= p->pinned && !freed;
            p->pinned = false;
            note_end(&ended, p);
        } else {
            __atomic_store_n(link, p->id, __ATOMIC_RELEASE);
            link = &p->older;
        }
    }
    __atomic_store_n(link, 0, __ATOMIC_RELEASE);
    bool named = stacks_put(user, c->id);
    prim_unlock(&co.lock);
    end_all(&ended);
    if (!named) {
        /* Out of room in the table: found by its range instead (see
         * add_foreign), unguarded, since its free would go unseen. */
        c->stack_block = 0;
        return;
    }
    protect_stack(c, &b, inherit_pin);
}

static bool runs_on(const struct wd_coro *c, uintptr_t sp);

/* Live coroutines on stacks outside the heap, in order of their stacks'
 * addresses (stacks there do not overlap: a new one ends those it
 * overlaps). Readers take no lock and binary-search the list; one that
 * races a change may miss a coroutine once, as if ward had not seen the
 * switch, but never takes a wrong one (runs_on checks the range). */
static uintptr_t foreign_lo(uint32_t i)
{
    const struct wd_coro *c = coro_get(__atomic_load_n(&co.foreign[i], __ATOMIC_ACQUIRE));
    return c ? c->stack_lo : 0;
}

/* The first index whose stack starts above lo, in a list of n. */
static uint32_t foreign_after(uintptr_t lo, uint32_t n)
{
    uint32_t a = 0, b = n;
    while (a < b) {
        uint32_t mid = a + (b - a) / 2;
        if (foreign_lo(mid) <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    return a;
}

static void foreign_remove(uint32_t i, uint32_t *n)
{
    memmove(&co.foreign[i], &co.foreign[i + 1], (*n - i - 1) * sizeof *co.foreign);
    atomic_store(&co.nforeign, --*n);
}

/* Drops the finished and freed ones; run when the list has doubled since,
 * so that its cost is spread over the additions, or now (before a chunk of
 * records goes). Called locked. */
static void foreign_compact(uint32_t *n, bool now)
{
    static uint32_t last = 64;
    if (!now && *n < 2 * last)
        return;
    uint32_t k = 0;
    for (uint32_t i = 0; i < *n; i++) {
        struct wd_coro *p = coro_get(co.foreign[i]);
        if (p && !stack_dead(p))
            __atomic_store_n(&co.foreign[k++], co.foreign[i], __ATOMIC_RELEASE);
    }
    atomic_store(&co.nforeign, *n = k);
    last = k > 64 ? k : 64;
}

/* The listed coroutines whose stacks overlap [lo, hi) no longer run
 * there: they leave the list (those that end with their stack, ended).
 * Called locked, with the list made; returns how many left. */
static unsigned foreign_drop(uintptr_t lo, uintptr_t hi, uint32_t *n, struct ended *ended)
{
    unsigned dropped = 0;
    uint32_t at = foreign_after(lo, *n);
    if (at > 0)
        at--;                           /* the one starting at or below lo */
    while (at < *n) {
        struct wd_coro *p = coro_get(co.foreign[at]);
        if (p && p->stack_lo >= hi)
            break;
        if (p && p->stack_lo < hi && lo < p->stack_hi) {
            note_end(ended, p);
            foreign_remove(at, n);
            dropped++;
        } else {
            at++;
        }
    }
    return dropped;
}

static void add_foreign(struct wd_coro *c)
{
    struct wd_thread *t = wd_tls.self;
    struct ended ended = { .n = 0 };
    if (t && c->stack_lo >= t->stack_lo && c->stack_hi <= t->stack_hi)
        atomic_store(&co.on_thread_stacks, true);
    prim_lock(&co.lock);
    if (!co.foreign)
        __atomic_store_n(&co.foreign, imem_alloc(FOREIGN_MAX * sizeof *co.foreign),
                         __ATOMIC_RELEASE);
    uint32_t n = atomic_load(&co.nforeign);
    if (co.foreign) {
        foreign_compact(&n, false);
        foreign_drop(c->stack_lo, c->stack_hi, &n, &ended);
    }
    if (co.foreign && n < FOREIGN_MAX) {
        uint32_t i = foreign_after(c->stack_lo, n);
        memmove(&co.foreign[i + 1], &co.foreign[i], (n - i) * sizeof *co.foreign);
        __atomic_store_n(&co.foreign[i], c->id, __ATOMIC_RELEASE);
        atomic_store(&co.nforeign, n + 1);
    } else {
        atomic_store(&co.foreign_full, true);
    }
    prim_unlock(&co.lock);
    end_all(&ended);
}

/* A range the program unmapped: the coroutines whose stacks were there
 * have no stack any more (boost's protected stacks end so). */
void coro_unmapped(uintptr_t lo, uintptr_t hi)
{
    struct ended ended = { .n = 0 };
    /* A signal handler's munmap, its thread inside ward: left unseen
     * rather than waiting for a lock the thread itself holds. */
    if (!atomic_load_explicit(&co.used, memory_order_relaxed) || !co.foreign ||
        prim_holds_locks())
        return;
    prim_lock(&co.lock);
    uint32_t n = atomic_load(&co.nforeign);
    unsigned dropped = foreign_drop(lo, hi, &n, &ended);
    prim_unlock(&co.lock);
    if (dropped)
        atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
    end_all(&ended);
}

void coro_ends_with_stack(uint32_t id)
{
    struct wd_coro *c = coro_get(id);
    if (c)
        c->ends_with_stack = true;
}

uint32_t coro_create(const char *name, void *stack, size_t size, uint32_t make_stack)
{
    prim_lock(&co.lock);
    bool swept = sweep();
    uint32_t id = atomic_load(&co.count), index = id >> CHUNK_SHIFT;
    bool spent = id > MAX_ID || (trace_on && id >= TR_MAX_CORO);
    struct coro_chunk *k = spent ? NULL : chunk_of(id);
    if (!spent && !k && (k = dir_unpark(&co.parked, sizeof *k))) {
        atomic_store(&k->dead, index == 0);     /* id 0 names no coroutine */
        if (!dir_set(&co.dir, index, k)) {
            imem_free(k, sizeof *k);
            k = NULL;
        }
    }
    if (!k) {
        prim_unlock(&co.lock);
        if (spent && trace_on)
            report_warning_once("a trace holds coroutines numbered below 4,194,304; "
                                "coroutines made from now on are not followed");
        else if (spent)
            report_warning_once("ward has numbered 2,147,483,647 coroutines, all it can; "
                                "coroutines made from now on are not followed");
        else
            report_warning_once("no memory left for ward's records of coroutines (about 400 "
                                "bytes each while a coroutine of their chunk of 1024 lives); "
                                "coroutines made from now on are not followed");
        return 0;
    }
    atomic_store(&co.count, id + 1);
    prim_unlock(&co.lock);
    if (swept)
        ctx_collect(coro_pair_gone);
    struct wd_coro *c = &k->rec[id & (CHUNK - 1)];
    c->id = id;
    c->make_stack = make_stack;
    c->maker = wd_tls.self ? wd_tls.self->id : UINT32_MAX;
    /* Threads looking for the stack they run on read hi first. */
    c->stack_lo = (uintptr_t)stack;
    __atomic_store_n(&c->stack_hi, (uintptr_t)stack + size, __ATOMIC_RELEASE);
    atomic_store(&c->state, CORO_MADE);
    if (!atomic_load(&co.used))
        heap_claims_on();
    atomic_store(&co.used, true);
    if (name && *name) {
        size_t n = strnlen(name, sizeof c->name - 1);
        memcpy(c->name, name, n);
        c->owner = owners_intern(c->name);
    }
    if (stack && size) {
        guard_stack(c);
        if (!c->stack_block)
            add_foreign(c);
    }
    atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
    if (trace_on) {
        trace_coro_create(id, (uintptr_t)stack, size, make_stack);
        if (c->name[0])
            trace_coro_name(id, c->name);
    }
    return id;
}

/* ---- switching ---- */

/* The frees of one thread's log that fall in one of the intervals
 * [from[j], to[j]) for j < k, newest first, back to the oldest interval.
 * Interval 0, the yielding coroutine's own run, counts only for entries
 * from own_from on: those its thread made (UINT_MAX for another
 * thread's log; a log taken over from an ended thread starts above 0).
 * Entries are appended in epoch order. */
static void check_log(struct free_log *log, const uint32_t *from, const uint32_t *to,
                      unsigned own_from, unsigned k, uint32_t now, uint32_t oldest,
                      uint32_t found_stack, enum found_at at)
{
    unsigned next = atomic_load_explicit(&log->next, memory_order_acquire);
    unsigned first = next > FREE_LOG ? next - FREE_LOG : 0;
    for (unsigned i = next; i-- > first;) {
        uintptr_t user = atomic_load_explicit(&log->e[i % FREE_LOG].user, memory_order_relaxed);
        uint32_t epoch = atomic_load_explicit(&log->e[i % FREE_LOG].epoch, memory_order_relaxed);
        if (now - epoch > oldest)
            break;
        for (unsigned j = i >= own_from ? 0 : 1; j < k; j++)
            if (epoch - from[j] < to[j] - from[j]) {
                core_check_freed(user, epoch, found_stack, at);
                break;
            }
    }
}

/* Runs, as coroutine c yields at epoch now, the poison check of the blocks
 * freed on this thread while it ran (only it ran here then: a write shows
 * its own use after free) and, on any thread, while it was suspended (its
 * remembered suspensions up to number nsusp, counted from 1): a write it
 * made to one of them since shows there, and it is the likely writer. Not
 * only the last suspension: schedulers that switch through a scheduler
 * coroutine (GNU Pth) make the free and the write straddle several; and a
 * coroutine may be resumed on another thread than the one that freed. */
static void check_frees_while_suspended(struct wd_coro *c, unsigned nsusp, uint32_t now,
                                        uint32_t found_stack, enum found_at at)
{
    uint32_t from[CORO_SUSP + 1], to[CORO_SUSP + 1], oldest;
    unsigned k = 0;
    if (!flog && !atomic_load_explicit(&co.nlogs, memory_order_relaxed))
        return;
    from[k] = c->run_from;
    to[k++] = now;
    oldest = now - c->run_from;
    for (unsigned n = nsusp; n > 0 && c->nsusp - n < CORO_SUSP && k <= CORO_SUSP; n--) {
        const __typeof__(c->susp[0]) *s = &c->susp[(n - 1) % CORO_SUSP];
        if (s->to) {
            from[k] = s->from;
            to[k++] = s->to;
            if (now - s->from > oldest)
                oldest = now - s->from;
        }
    }
    if (flog)
        check_log(flog, from, to, flog_base, k, now, oldest, found_stack, at);
    uint32_t nlogs = atomic_load_explicit(&co.nlogs, memory_order_acquire);
    for (uint32_t l = 0; l < nlogs; l++) {
        struct free_log *log = __atomic_load_n(&co.logs[l], __ATOMIC_ACQUIRE);
        if (log && log != flog &&
            now - atomic_load_explicit(&log->newest, memory_order_relaxed) <= oldest)
            check_log(log, from, to, UINT_MAX, k, now, oldest, found_stack, at);
    }
}

/* How ward learns of a switch: from the switch itself, afterwards by the
 * stack pointer, or by the stack pointer of a fault it is about to report
 * (nothing else may be reported then). */
enum sw_how { SW_SEEN, SW_UNSEEN, SW_FAULT };

static void suspend(struct wd_coro *c, uint32_t epoch, uint32_t yield_stack, bool unseen)
{
    c->yields++;
    c->yield_stack = yield_stack;
    int running = CORO_RUNNING;
    atomic_compare_exchange_strong(&c->state, &running, CORO_SUSPENDED);
    unsigned i = c->nsusp++ % CORO_SUSP;
    c->susp[i].from = epoch;
    c->susp[i].to = 0;
    c->susp[i].stack = yield_stack;
    c->susp[i].unseen = unseen;
}

static void resume(struct wd_coro *c, uint32_t epoch)
{
    c->run_from = epoch;
    if (c->nsusp && !c->susp[(c->nsusp - 1) % CORO_SUSP].to)
        c->susp[(c->nsusp - 1) % CORO_SUSP].to = epoch;
    if (atomic_load(&c->state) != CORO_EXITED)
        atomic_store(&c->state, CORO_RUNNING);
}

/* A new switch epoch; 0 means "not resumed yet", so it is skipped. */
static uint32_t next_epoch(void)
{
    uint32_t epoch = atomic_fetch_add(&co.epoch, 1) + 1;
    return epoch ? epoch : atomic_fetch_add(&co.epoch, 1) + 1;
}

/* Unseen switches have no yield stack; what they find is reported after
 * the switch, from where ward noticed it (found_stack). */
static void do_switch(uint32_t to, uint32_t yield_stack, uint32_t found_stack, enum sw_how how)
{
    struct wd_thread *t = threads_self();
    uint32_t from = wd_tls.coro;
    uint32_t epoch = next_epoch();
    struct wd_coro *a = record(from), *b = to ? coro_get(to) : record(0);
    if (to && !b)
        to = 0, b = record(0);
    /* A finished coroutine does not yield. */
    bool yields = a && a != b && atomic_load(&a->state) != CORO_EXITED;
    unsigned last = yields ? a->nsusp : 0;
    if (yields && how == SW_SEEN)
        check_frees_while_suspended(a, last, epoch, found_stack, FOUND_AT_YIELD);
    if (yields)
        suspend(a, epoch, yield_stack, how != SW_SEEN);
    if (b)
        resume(b, epoch);
    wd_tls.coro = to;
    wd_tls.ctx = t ? ctx_intern(t->id, to) : wd_tls.ctx;
    if (trace_on)
        trace_coro_switch(to, yield_stack);
    /* Not a buried record's: it may be reclaimed while this thread still
     * runs there (a finished context switched to again, see coro_restart) */
    bool own = to && !atomic_load_explicit(&b->buried, memory_order_relaxed);
    wd_tls.owners = own ? &b->owners : (t ? &t->owners : NULL);
    wd_tls.coro_owner = to ? b->owner : 0;
    if (yields && how == SW_UNSEEN)
        check_frees_while_suspended(a, last, epoch, found_stack, FOUND_AT_UNSEEN);
}

void coro_switch(uint32_t to, uint32_t yield_stack)
{
    do_switch(to, yield_stack, yield_stack, SW_SEEN);
}

/* ---- switches ward does not see ---- */

/* Switchers may leave a coroutine without a call ward sees: QEMU enters
 * each coroutine once with swapcontext, then switches with siglongjmp.
 * The stack pointer tells which stack runs; a small per-thread cache of
 * the stacks found last spares a walk over every coroutine. */
#define SYNC_CACHE 8

static WD_TLS uint32_t sync_cache[SYNC_CACHE];
static WD_TLS unsigned sync_next;
static WD_TLS uint32_t sync_gen;    /* co.gen when the cache was filled */
/* The page of the last stack pointer found on no known stack (a signal
 * stack, a stack ward was not told of), and co.gen then: calls made there
 * again skip the walk until a stack starts or stops being a coroutine's. */
static WD_TLS uintptr_t foreign_page;
static WD_TLS uint32_t foreign_gen;

static bool runs_on(const struct wd_coro *c, uintptr_t sp)
{
    if (!c)
        return false;
    uintptr_t hi = __atomic_load_n(&c->stack_hi, __ATOMIC_ACQUIRE);
    return sp >= c->stack_lo && sp < hi &&
           atomic_load_explicit(&c->state, memory_order_relaxed) != CORO_EXITED &&
           !atomic_load_explicit(&c->stack_freed, memory_order_relaxed);
}

/* A stack in the heap: the coroutines of its block. */
static uint32_t on_heap_stack(uintptr_t sp)
{
    struct wd_block b;
    if (!heap_find((const void *)sp, &b) || b.m->state != BS_LIVE ||
        !(b.m->flags & BF_CORO_STACK))
        return 0;
    for (struct wd_coro *c = first_in(blk_user(&b)); c; c = next_in(c))
        if (runs_on(c, sp))
            return c->id;
    return 0;
}

static uint32_t on_foreign_stack(uintptr_t sp)
{
    uint32_t n = atomic_load_explicit(&co.nforeign, memory_order_acquire);
    if (!__atomic_load_n(&co.foreign, __ATOMIC_ACQUIRE) || n == 0)
        return 0;
    uint32_t at = foreign_after(sp, n);
    uint32_t id = at ? __atomic_load_n(&co.foreign[at - 1], __ATOMIC_ACQUIRE) : 0;
    return runs_on(coro_get(id), sp) ? id : 0;
}

static uint32_t on_any_stack(uintptr_t sp)
{
    struct wd_coro *c = search_below(atomic_load(&co.count), runs_on, sp);
    return c ? c->id : 0;
}

/* The newest live coroutine whose stack holds sp, or 0. A coroutine made
 * (or a stack freed) since the cache was filled may change the answer:
 * then the cache is stale. */
static uint32_t coro_on(uintptr_t sp)
{
    uint32_t gen = atomic_load_explicit(&co.gen, memory_order_acquire);
    uint32_t id = 0;
    if (gen != sync_gen) {
        memset(sync_cache, 0, sizeof sync_cache);
        sync_gen = gen;
    }
    for (unsigned i = 0; i < SYNC_CACHE; i++)
        if (sync_cache[i] && runs_on(coro_get(sync_cache[i]), sp))
            return sync_cache[i];
    /* A heap stack the stack table had no room for is in the list of
     * foreign ones (see guard_stack). */
    if (arena_contains((const void *)sp))
        id = on_heap_stack(sp);
    if (!id && !atomic_load_explicit(&co.foreign_full, memory_order_relaxed))
        id = on_foreign_stack(sp);
    else if (!id)
        id = on_any_stack(sp);
    if (id)
        sync_cache[sync_next++ % SYNC_CACHE] = id;
    return id;
}

static bool on_thread_stack(const struct wd_thread *t, uintptr_t sp)
{
    return t && t->stack_hi && sp >= t->stack_lo && sp < t->stack_hi;
}

/* Which context runs on sp: a coroutine, the thread's own stack (0), or
 * UINT32_MAX for a stack ward does not know (a signal stack, a switcher's
 * stack never registered). On the thread's stack, a coroutine counts only
 * if this thread made it on a part of that stack (a stack the program
 * carved from its own): one made elsewhere on memory since unmapped and
 * mapped again for this thread's stack does not. */
static uint32_t context_on(struct wd_thread *t, uintptr_t sp)
{
    bool own = on_thread_stack(t, sp);
    if (own && !atomic_load_explicit(&co.on_thread_stacks, memory_order_relaxed))
        return 0;
    uint32_t id = coro_on(sp);
    if (own) {
        struct wd_coro *c = coro_get(id);
        return c && c->maker == t->id && c->stack_lo >= t->stack_lo &&
               c->stack_hi <= t->stack_hi && c->stack_hi - c->stack_lo < t->stack_hi - t->stack_lo
                   ? id : 0;
    }
    return id ? id : UINT32_MAX;
}

static bool holds(const struct wd_coro *c, uintptr_t addr)
{
    return !c->stack_block && addr >= c->stack_lo && addr < c->stack_hi;
}

uint32_t coro_holding(uintptr_t addr)
{
    struct wd_coro *c = search_below(atomic_load(&co.count), holds, addr);
    return c ? c->id : 0;
}

uint32_t coro_at(uintptr_t sp)
{
    struct wd_thread *t = wd_tls.self;
    if (!atomic_load_explicit(&co.used, memory_order_relaxed))
        return t && on_thread_stack(t, sp) ? 0 : UINT32_MAX;
    return context_on(t, sp);
}

static void sync_to(uintptr_t sp, uint32_t stack, enum sw_how how)
{
    if (!atomic_load_explicit(&co.used, memory_order_relaxed))
        return;
    uint32_t cur = wd_tls.coro;
    struct wd_thread *t = wd_tls.self;
    /* The current coroutine's record went: it ended, unseen (left by
     * siglongjmp, then its stack remade or unmapped), so this runs
     * elsewhere, and its context must not stay (ctx_collect gives it
     * back). */
    bool gone = false;
    if (cur) {
        struct wd_coro *c = coro_get(cur);
        if (c && (c->stack_hi == 0 || (sp >= c->stack_lo && sp < c->stack_hi)))
            return;                     /* where it should be, or unknown */
        gone = !c;
    } else if (on_thread_stack(t, sp) || !t || !t->stack_hi) {
        return;
    }
    uint32_t gen = atomic_load_explicit(&co.gen, memory_order_acquire);
    if (!gone && WD_ALIGN_DOWN(sp, WD_PAGE) == foreign_page && gen == foreign_gen)
        return;
    uint32_t to = context_on(t, sp);
    if (to == UINT32_MAX && gone)
        to = 0;
    if (to == UINT32_MAX) {
        /* Not a switch ward can name: leave the current context be. */
        foreign_page = WD_ALIGN_DOWN(sp, WD_PAGE);
        foreign_gen = gen;
        return;
    }
    if (to != cur)
        do_switch(to, STACK_NONE, stack, how);
}

void coro_sync(uintptr_t sp, uint32_t stack)
{
    sync_to(sp, stack, SW_UNSEEN);
}

void coro_sync_fault(uintptr_t sp)
{
    sync_to(sp, STACK_NONE, SW_FAULT);
}

void coro_name(const char *name)
{
    struct wd_coro *c = coro_get(wd_tls.coro);
    if (!c || !name)
        return;
    size_t n = strnlen(name, sizeof c->name - 1);
    memcpy(c->name, name, n);
    c->name[n] = '\0';
    c->owner = owners_intern(c->name);
    wd_tls.coro_owner = c->owner;
    if (trace_on)
        trace_coro_name(c->id, c->name);
}

/* ---- accounting ---- */

void coro_count_alloc(uint32_t coro, uint64_t bytes)
{
    struct wd_coro *c = coro ? coro_get(coro) : NULL;
    if (c) {
        atomic_fetch_add_explicit(&c->live_bytes, (int64_t)bytes, memory_order_relaxed);
        atomic_fetch_add_explicit(&c->live_blocks, 1, memory_order_relaxed);
    }
}

/* The coroutine that allocated a block, from its allocation context. */
static struct wd_coro *allocator_of(uint32_t alloc_ctx)
{
    return atomic_load_explicit(&co.used, memory_order_relaxed)
               ? coro_get(ctx_get(alloc_ctx).coro) : NULL;
}

void coro_count_free(uint32_t alloc_ctx, uint64_t bytes)
{
    struct wd_coro *c = allocator_of(alloc_ctx);
    if (c) {
        atomic_fetch_sub_explicit(&c->live_bytes, (int64_t)bytes, memory_order_relaxed);
        atomic_fetch_sub_explicit(&c->live_blocks, 1, memory_order_relaxed);
    }
}

void coro_count_resize(uint32_t alloc_ctx, uint64_t from, uint64_t to)
{
    struct wd_coro *c = allocator_of(alloc_ctx);
    if (c)
        atomic_fetch_add_explicit(&c->live_bytes, (int64_t)to - (int64_t)from,
                                  memory_order_relaxed);
}

/* A thread's log, made at its first free once coroutines exist. The log
 * of a thread that ended goes to the next thread that needs one, entries
 * and all: what the ended thread freed is still checked, every yield reads
 * as many logs as there were threads at once (not threads ever: after
 * thousands of short-lived threads each switch read thousands), and their
 * memory stays that of the busiest moment. A thread past its end logs
 * nothing more. */
static struct free_log *my_log(void)
{
    if (flog || wd_tls.exiting)
        return flog;
    prim_lock(&co.lock);
    struct free_log *log = co.spare;
    if (log)
        co.spare = log->spare;
    prim_unlock(&co.lock);
    if (log) {
        /* Its entries so far are another thread's: frees there while a
         * coroutine ran here are not that coroutine's own. */
        flog_base = atomic_load_explicit(&log->next, memory_order_relaxed);
        return flog = log;
    }
    if (!(log = imem_alloc(sizeof *log)))
        return NULL;
    flog_base = 0;
    prim_lock(&co.lock);
    uint32_t n = atomic_load(&co.nlogs);
    if (n < MAX_LOGS) {
        __atomic_store_n(&co.logs[n], log, __ATOMIC_RELEASE);
        atomic_store_explicit(&co.nlogs, n + 1, memory_order_release);
    }
    prim_unlock(&co.lock);
    if (n >= MAX_LOGS)
        report_warning_once("more than 4096 threads free blocks at once while coroutines "
                            "run; the frees of the others are checked only when their own "
                            "thread's coroutines yield");
    return flog = log;
}

void coro_thread_end(void)
{
    struct free_log *log = flog;
    if (!log)
        return;
    flog = NULL;                    /* before another thread can take it */
    prim_lock(&co.lock);
    log->spare = co.spare;
    co.spare = log;
    prim_unlock(&co.lock);
}

uint32_t coro_free_epoch(void)
{
    /* The log first: one taken over from an ended thread holds epochs up
     * to that thread's end, and this free's must not be older (check_log
     * stops at the first entry too old). */
    if (atomic_load_explicit(&co.used, memory_order_relaxed))
        my_log();
    return coro_epoch();
}

void coro_note_free(uintptr_t user, uint32_t epoch)
{
    if (!atomic_load_explicit(&co.used, memory_order_relaxed))
        return;
    struct free_log *log = my_log();
    if (!log)
        return;
    unsigned next = atomic_load_explicit(&log->next, memory_order_relaxed), i = next % FREE_LOG;
    atomic_store_explicit(&log->e[i].user, user, memory_order_relaxed);
    atomic_store_explicit(&log->e[i].epoch, epoch, memory_order_relaxed);
    atomic_store_explicit(&log->newest, epoch, memory_order_relaxed);
    atomic_store_explicit(&log->next, next + 1, memory_order_release);
}

/* A finished coroutine's stack is the program's again: to grow with
 * realloc, to reuse for anything. Its guard goes, and the pin ward put on
 * its block, unless another coroutine still runs in that block (it keeps
 * the pin) or the program pinned the block itself. */
static void release_stack(struct wd_coro *c)
{
    struct wd_block b;
    unguard(c);
    if (!c->pinned)
        return;
    c->pinned = false;
    prim_lock(&co.lock);
    for (struct wd_coro *p = first_in(c->stack_block); p; p = next_in(p))
        if (p != c && !stack_dead(p)) {
            p->pinned = true;
            prim_unlock(&co.lock);
            return;
        }
    prim_unlock(&co.lock);
    if (own_stack_block(c, &b)) {
        b.m->flags &= (uint8_t)~BF_PINNED;
        pins_remove(c->stack_block);
    }
}

void coro_restart(uint32_t id)
{
    struct wd_coro *c = coro_get(id);
    struct wd_block b;
    int exited = CORO_EXITED;
    if (!c && id && wd_tls.coro == id) {
        /* Its chunk was reclaimed before it ran again: it runs on
         * unfollowed, as its thread. */
        do_switch(0, STACK_NONE, STACK_NONE, SW_SEEN);
        return;
    }
    if (!c || !atomic_compare_exchange_strong(&c->state, &exited, CORO_RUNNING))
        return;
    prim_lock(&co.lock);
    unbury(c);
    bool kept = coro_get(id) == c;
    prim_unlock(&co.lock);
    if (!kept) {
        /* Its chunk was reclaimed as it ended: it runs on unfollowed, as
         * its thread. */
        do_switch(0, STACK_NONE, STACK_NONE, SW_SEEN);
        return;
    }
    if (wd_tls.coro == id) {
        wd_tls.owners = &c->owners;
        wd_tls.coro_owner = c->owner;
    }
    if (!atomic_load(&c->stack_freed) && own_stack_block(c, &b))
        protect_stack(c, &b, false);
    atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
}

/* c has finished: what it still owns is recorded (and, with
 * coro_leaks=1, reported if no live pointer reaches it). */
static void finish(struct wd_coro *c)
{
    atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
    c->exit_bytes = atomic_load(&c->live_bytes);
    c->exit_blocks = atomic_load(&c->live_blocks);
    if (trace_on)
        trace_coro_exit(c->id, c->exit_bytes, c->exit_blocks);
    if (wd_opt.coro_leaks)
        core_coro_leaks(c->id, c->stack_lo, c->stack_hi);
    bury(c);
}

/* A coroutine that returns does not yield again, so what a yield would
 * have checked is checked at its end: a write to a block freed while it
 * was suspended, made before it returned, is found now and put down to
 * it, not at exit with no coroutine named. */
void coro_exit(uint32_t id, uint32_t stack)
{
    struct wd_coro *c = coro_get(id);
    if (!c)
        return;
    if (wd_tls.coro == id && atomic_load(&c->state) != CORO_EXITED)
        check_frees_while_suspended(c, c->nsusp, next_epoch(), stack, FOUND_AT_END);
    atomic_store(&c->state, CORO_EXITED);
    release_stack(c);
    finish(c);
    if (wd_tls.coro == id) {
        /* It may go on a while before it switches away, and its record and
         * its context may go before that: what it does now is its
         * thread's. */
        struct wd_thread *t = wd_tls.self;
        wd_tls.owners = t ? &t->owners : NULL;
        wd_tls.ctx = t ? ctx_intern(t->id, 0) : wd_tls.ctx;
    }
}

/* ---- stacks after the coroutine ---- */

void coro_stack_freed(uintptr_t user)
{
    struct ended ended = { .n = 0 };
    bool any = false;
    for (struct wd_coro *c = first_in(user); c; c = next_in(c)) {
        unguard(c);
        if (ended.n == ENDED_MAX) {         /* a block of many stacks */
            atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
            end_all(&ended);
            ended.n = 0;
        }
        note_end(&ended, c);
        any = true;
    }
    if (!any)
        return;
    atomic_fetch_add_explicit(&co.gen, 1, memory_order_release);
    end_all(&ended);
    prim_lock(&co.lock);
    stacks_drop(user);
    prim_unlock(&co.lock);
}

uintptr_t coro_next_guard(uintptr_t user, uintptr_t from, uintptr_t end, uintptr_t *hi)
{
    uintptr_t lo = end;
    for (struct wd_coro *c = first_in(user); c; c = next_in(c))
        if (c->guard_hi > c->guard_lo && c->guard_hi > from && c->guard_lo < lo) {
            lo = c->guard_lo;
            *hi = c->guard_hi;
        }
    return lo;
}

/* ---- reports ---- */

const char *coro_name_of(uint32_t id)
{
    struct wd_coro *c = coro_get(id);
    if (c)
        return c->name[0] ? c->name : NULL;
    uint16_t owner = id && id < atomic_load(&co.count)
                         ? (uint16_t)(uintptr_t)dir_get(&co.names, id >> CHUNK_SHIFT) : 0;
    return owner ? owners_name(owner) : NULL;
}

void coro_describe(fmt_t *f, uint32_t id)
{
    const char *name = coro_name_of(id);
    fmt_str(f, "coroutine ");
    fmt_u64(f, id);
    if (name) {
        fmt_str(f, " (");
        fmt_str(f, name);
        fmt_str(f, ")");
    }
}

uint32_t coro_explain(fmt_t *f, uint32_t free_ctx, uint32_t free_epoch, uint32_t access_ctx)
{
    struct ctx_pair fp = ctx_get(free_ctx), ap = ctx_get(access_ctx);
    if (fp.thread == UINT32_MAX || ap.thread == UINT32_MAX || fp.coro == ap.coro || !ap.coro)
        return 0;
    struct wd_coro *a = coro_get(ap.coro);
    if (!a)
        return 0;
    for (unsigned k = 0; k < CORO_SUSP && k < a->nsusp; k++) {
        const __typeof__(a->susp[0]) *s = &a->susp[(a->nsusp - 1 - k) % CORO_SUSP];
        if (!s->to || free_epoch - s->from >= s->to - s->from)
            continue;
        coro_describe(f, ap.coro);
        fmt_str(f, " was suspended when ");
        if (fp.coro)
            coro_describe(f, fp.coro);
        else {
            fmt_str(f, "thread T");
            fmt_u64(f, fp.thread);
        }
        if (s->unseen) {
            fmt_str(f, " freed the block (it had switched away without a call ward sees, "
                       "so where it yielded is unknown)");
            return CORO_NO_YIELD_STACK;
        }
        if (!s->stack) {
            fmt_str(f, " freed the block (where it yielded was not recorded)");
            return CORO_NO_YIELD_STACK;
        }
        fmt_str(f, " freed the block; it had yielded at:");
        return s->stack;
    }
    return 0;
}

/* The newest coroutine that had its stack in the block at user: from the
 * table while the block is live, by a search once it was freed. */
static bool stacked_in(const struct wd_coro *c, uintptr_t user)
{
    return c->stack_block == user;
}

static struct wd_coro *stack_owner(uintptr_t user)
{
    struct wd_coro *c = first_in(user);
    return c ? c : search_below(atomic_load(&co.count), stacked_in, user);
}

bool coro_stack_note(fmt_t *f, uintptr_t user)
{
    struct wd_coro *c = stack_owner(user);
    if (!c)
        return false;
    fmt_str(f, "the block was the stack of ");
    coro_describe(f, c->id);
    fmt_str(f, atomic_load(&c->state) == CORO_EXITED ? ", which has finished"
                                                     : ", which has not finished");
    return true;
}

bool coro_stack_finished(uintptr_t user)
{
    /* A block marked as a stack whose coroutines are gone from the table:
     * they ended and their records were reclaimed. */
    for (struct wd_coro *c = first_in(user); c; c = next_in(c))
        if (atomic_load(&c->state) != CORO_EXITED)
            return false;
    return true;
}

/* The coroutine whose stack guard holds addr, if any. */
static struct wd_coro *guard_owner(uintptr_t addr)
{
    struct wd_block b;
    if (!atomic_load_explicit(&co.used, memory_order_relaxed) || !heap_find((void *)addr, &b) ||
        b.m->state != BS_LIVE || !(b.m->flags & BF_CORO_STACK))
        return NULL;
    for (struct wd_coro *c = first_in(blk_user(&b)); c; c = next_in(c))
        if (addr >= c->guard_lo && addr < c->guard_hi)
            return c;
    return NULL;
}

/* Running off a stack leaves the stack pointer near its bottom. */
#define OVERFLOW_REACH (16 * WD_PAGE)

bool coro_fault(uintptr_t addr, void *ucontext)
{
    ucontext_t *uc = ucontext;
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    struct wd_coro *c = guard_owner(addr);
    if (c) {
        uint32_t runner = context_on(wd_tls.self, sp);
        bool near = sp + OVERFLOW_REACH >= c->stack_lo && sp < c->guard_hi + OVERFLOW_REACH;
        if (runner != c->id && runner == wd_tls.coro && !near) {
            /* Code running on another stack, the one ward saw switched
             * to, reads or writes the bottom of this one (GNU Pth's
             * scheduler checks the canary it keeps there): not an
             * overflow. The guard goes; the access is made again. A stack
             * pointer on a suspended coroutine's stack is rather this one
             * having run off its own into a neighbour. */
            unguard(c);
            return true;
        }
        /* c ran off its stack, whatever ward last saw running (its stack
         * pointer may be below the stack already, after a large frame). */
        if (c->id != wd_tls.coro)
            do_switch(c->id, STACK_NONE, STACK_NONE, SW_FAULT);
    } else {
        c = coro_get(wd_tls.coro);
    }
    if (!c || !c->stack_lo)
        return false;
    /* A stack outside the heap, which ward does not guard, may have a
     * guard page of the switcher's at its bottom (boost.context's
     * protected_fixedsize_stack): a fault there is the same overflow. */
    uintptr_t top_of_guard = c->guard_hi       ? c->guard_hi
                             : c->stack_block  ? c->stack_lo
                                               : c->stack_lo + WD_PAGE;
    if (addr >= top_of_guard || addr + OVERFLOW_REACH < c->stack_lo)
        return false;
    char note[256];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    coro_describe(&f, c->id);
    fmt_str(&f, " ran off its ");
    fmt_u64(&f, c->stack_hi - c->stack_lo);
    fmt_str(&f, "-byte stack [");
    fmt_hex(&f, c->stack_lo);
    fmt_str(&f, ", ");
    fmt_hex(&f, c->stack_hi);
    fmt_str(&f, "), ");
    if (addr >= c->stack_lo) {
        fmt_u64(&f, addr - c->stack_lo);
        fmt_str(&f, c->guard_hi ? " bytes above its bottom, in the guard page ward put there"
                                : " bytes above its bottom, in a guard page at its bottom");
    } else {
        fmt_u64(&f, c->stack_lo - addr);
        fmt_str(&f, " bytes below its bottom");
    }
    core_report_stack_overflow(addr, ucontext, c->stack_block, fmt_cstr(&f), c->make_stack);
    return true;
}

static const char *state_name(int s)
{
    static const char *const names[] = { "made", "running", "suspended", "finished" };
    return s >= 0 && s < 4 ? names[s] : "?";
}

void coro_print_table(fmt_t *f)
{
    uint32_t n = coro_count();
    fmt_str(f, "  coroutine                      state       yields   live bytes  live blocks  bytes at end\n");
    for (uint32_t id = 1; id <= n; id++) {
        struct wd_coro *c = coro_get(id);
        if (!c)
            continue;
        size_t start = f->len;
        fmt_str(f, "  ");
        coro_describe(f, id);
        fmt_pad(f, start, 33);
        start = f->len;
        fmt_str(f, state_name(atomic_load(&c->state)));
        fmt_pad(f, start, 10);
        char num[96];
        fmt_t t;
        fmt_init(&t, num, sizeof num, -1);
        size_t s0 = t.len;
        fmt_u64(&t, c->yields);
        fmt_pad(&t, s0, 8);
        fmt_str(&t, "  ");
        s0 = t.len;
        fmt_i64(&t, atomic_load(&c->live_bytes));
        fmt_pad(&t, s0, 11);
        fmt_str(&t, "  ");
        s0 = t.len;
        fmt_i64(&t, atomic_load(&c->live_blocks));
        fmt_pad(&t, s0, 11);
        fmt_str(&t, "  ");
        if (atomic_load(&c->state) == CORO_EXITED)
            fmt_i64(&t, c->exit_bytes);
        else
            fmt_str(&t, "-");
        fmt_str(f, fmt_cstr(&t));
        fmt_str(f, "\n");
    }
    prim_lock(&co.lock);
    uint64_t gone = co.reclaimed;
    prim_unlock(&co.lock);
    if (gone) {
        fmt_str(f, "  (and ");
        fmt_u64(f, gone);
        fmt_str(f, " ended coroutines whose records ward let go)\n");
    }
}

void coro_atfork_prepare(void) { prim_lock(&co.lock); }
void coro_atfork_parent(void)  { prim_unlock(&co.lock); }
void coro_atfork_child(void)   { prim_lock_reset(&co.lock); }
