/* Stack capture and the interning table (see stacks.h).
 *
 * Layout: stacks are records {offset, depth} indexed by id; their frames
 * sit back to back in one frame store. The hash table's slot holds a
 * 32-bit hash and the id in one 64-bit word, so that a probe is a single
 * atomic load, and beside it a second, independent 64-bit hash of the
 * frames. A lookup matches on both hashes (96 bits) and never reads the
 * record or the frames: in a program with a million stacks each would be
 * another cache miss, and two different stacks share 96 bits of hash with
 * odds of about one in 10^16 over a whole run. Insertions compare frames.
 * All live in ward's uncommitted internal region and cost memory only as
 * they fill.
 *
 * Lookups take no lock. Insertions are rare (a new stack) and take one: the
 * inserter looks again under the lock, and doubles the table when it is
 * three quarters full: at that load a lookup still reads one cache line
 * (four slots), and a table half the size stays in cache (gcc's 24,000
 * stacks in 32K slots, 512 KiB, instead of 1 MiB: the probe went from
 * 6.9% to 3.5% of its time). A reader still holding the old table may
 * miss a stack added since; it then takes the insertion path and finds it
 * there. Old tables are never freed, so readers never see freed memory
 * (they total less than the current one). */
#define _GNU_SOURCE
#include "stacks.h"
#include "deps.h"
#include "imem.h"
#include "options.h"
#include "prim.h"
#include "report.h"
#include "trace_write.h"

#include <elf.h>
#include <link.h>
#include <stdatomic.h>
#include <signal.h>
#include <string.h>

#define TAB_MIN_BITS 12
#define MAX_STACKS   (1u << 23)
#define STORE_WORDS  (1UL << 27)                /* 1 GiB of frames, uncommitted */

struct stack_rec {
    uint64_t offset;
    uint32_t depth;
};

/* Both hashes of a stack. */
struct hashes {
    uint32_t h;
    uint64_t check;
};

struct slot {
    uint64_t key;                               /* h << 32 | id; 0 = empty */
    uint64_t check;                             /* written before key */
};

struct table {
    struct slot *slot;
    uint32_t mask;
};

static struct {
    _Atomic(struct table *) tab;
    wd_lock lock;                               /* insertions */
    uint32_t used;
    struct stack_rec *recs;
    uintptr_t *store;
    uint64_t next_word;
    _Atomic uint32_t next_id;
    uintptr_t ward_lo, ward_hi;                 /* ward's executable code */
} st;

extern const ElfW(Ehdr) __ehdr_start;            /* our own ELF header */

static void find_own_text(void)
{
    const ElfW(Ehdr) *eh = &__ehdr_start;
    const ElfW(Phdr) *ph = (const void *)((const char *)eh + eh->e_phoff);
    uintptr_t load = (uintptr_t)eh;
    for (unsigned i = 0; i < eh->e_phnum; i++)
        if (ph[i].p_type == PT_LOAD && (ph[i].p_flags & PF_X)) {
            st.ward_lo = load + ph[i].p_vaddr;
            st.ward_hi = st.ward_lo + ph[i].p_memsz;
        }
}

/* The slots apart from the header: a power of two (internal memory's
 * size classes), starting on a cache line, so no slot straddles two. */
static struct table *new_table(unsigned bits)
{
    struct table *t = imem_alloc(sizeof *t);
    struct slot *s = imem_alloc(sizeof(struct slot) << bits);
    if (!t || !s) {
        imem_free(t, sizeof *t);
        imem_free(s, sizeof(struct slot) << bits);
        return NULL;
    }
    t->slot = s;
    t->mask = (1u << bits) - 1;
    return t;
}

bool stacks_init(void)
{
    find_own_text();
    atomic_store(&st.tab, new_table(TAB_MIN_BITS));
    st.recs = imem_alloc(MAX_STACKS * sizeof *st.recs);
    st.store = imem_alloc(STORE_WORDS * sizeof *st.store);
    atomic_store(&st.next_id, 2);               /* 0 and 1 are reserved */
    return atomic_load(&st.tab) && st.recs && st.store;
}

bool stacks_is_ward_pc(uintptr_t pc)
{
    return pc - st.ward_lo < st.ward_hi - st.ward_lo;
}

/* One step of each hash's chain: xor (or add), multiply, fold. */
static inline uint64_t step_a(uint64_t a, uintptr_t pc)
{
    a = (a ^ pc) * 0xff51afd7ed558ccdull;
    return a ^ (a >> 29);
}

static inline uint64_t step_b(uint64_t b, uintptr_t pc)
{
    b = (b + pc) * 0xc4ceb9fe1a85ec53ull;
    return b ^ (b >> 32);
}

/* Two independent hashes in one pass. Each runs as two chains, over the
 * even and the odd frames, joined at the end, since a chain's step is a
 * dependent multiply and fold (6 cycles): with one chain per hash, hashing
 * took 4.6% of sqlite3's time under ward, with two 3.4%. The chains start
 * apart and are joined in order, so frames trading places between them
 * change both hashes. */
static struct hashes hash_frames(const uintptr_t *pcs, unsigned n)
{
    uint64_t a0 = n * 0x9E3779B97F4A7C15ull, a1 = a0 ^ 0x2545F4914F6CDD1Dull;
    uint64_t b0 = n * 0xC2B2AE3D27D4EB4Full + 1, b1 = b0 ^ 0x165667B19E3779F9ull;
    unsigned i = 0;
    for (; i + 1 < n; i += 2) {
        a0 = step_a(a0, pcs[i]);
        a1 = step_a(a1, pcs[i + 1]);
        b0 = step_b(b0, pcs[i]);
        b1 = step_b(b1, pcs[i + 1]);
    }
    if (i < n) {
        a0 = step_a(a0, pcs[i]);
        b0 = step_b(b0, pcs[i]);
    }
    uint64_t a = step_a(step_a(a0, 0), a1), b = step_b(step_b(b0, 0), b1);
    uint32_t h = (uint32_t)(a ^ (a >> 32));
    return (struct hashes){ h ? h : 1, b };
}

static bool same_frames(uint32_t id, const uintptr_t *pcs, unsigned n)
{
    const struct stack_rec *r = &st.recs[id];
    return r->depth == n && memcmp(st.store + r->offset, pcs, n * sizeof *pcs) == 0;
}

/* The id of the stack in table t, or 0; *slot gets the empty bucket where
 * it would go. The frames are compared only when given (insertions). */
static uint32_t find(struct table *t, struct hashes k, const uintptr_t *pcs, unsigned n,
                     uint32_t *slot)
{
    *slot = UINT32_MAX;
    for (uint32_t i = k.h & t->mask, j = 0; j <= t->mask; i = (i + 1) & t->mask, j++) {
        uint64_t e = atomic_load_explicit((_Atomic uint64_t *)&t->slot[i].key,
                                          memory_order_acquire);
        if (e == 0) {
            *slot = i;
            return 0;
        }
        if ((uint32_t)(e >> 32) == k.h && t->slot[i].check == k.check &&
            (!pcs || same_frames((uint32_t)e, pcs, n)))
            return (uint32_t)e;
    }
    return 0;
}

/* Doubles the table; called with the lock held. */
static struct table *grow(struct table *old)
{
    unsigned bits = (unsigned)__builtin_popcount(old->mask) + 1;
    struct table *t = new_table(bits);
    if (!t)
        return old;
    for (uint32_t i = 0; i <= old->mask; i++) {
        uint64_t e = old->slot[i].key;
        if (!e)
            continue;
        uint32_t j = (uint32_t)(e >> 32) & t->mask;
        while (t->slot[j].key)
            j = (j + 1) & t->mask;
        t->slot[j] = old->slot[i];
    }
    atomic_store_explicit(&st.tab, t, memory_order_release);
    return t;
}

static uint32_t insert(struct hashes k, const uintptr_t *pcs, unsigned n)
{
    uint32_t slot, id;
    prim_lock(&st.lock);
    struct table *t = atomic_load_explicit(&st.tab, memory_order_acquire);
    if ((id = find(t, k, pcs, n, &slot)) != 0)
        goto out;
    id = atomic_load_explicit(&st.next_id, memory_order_relaxed);
    if (id >= MAX_STACKS || st.next_word + n > STORE_WORDS ||
        ((st.used + 1) * 4 > (t->mask + 1) * 3 && grow(t) == t)) {
        prim_unlock(&st.lock);
        report_warning_once("the stack table is full; later stacks are not "
                            "recorded (lower stack_depth to fit more)");
        return STACK_FULL;
    }
    memcpy(st.store + st.next_word, pcs, n * sizeof *pcs);
    st.recs[id] = (struct stack_rec){ st.next_word, n };
    st.next_word += n;
    atomic_store_explicit(&st.next_id, id + 1, memory_order_release);
    st.used++;
    t = atomic_load_explicit(&st.tab, memory_order_relaxed);
    find(t, k, pcs, n, &slot);
    t->slot[slot].check = k.check;
    atomic_store_explicit((_Atomic uint64_t *)&t->slot[slot].key, (uint64_t)k.h << 32 | id,
                          memory_order_release);
    prim_unlock(&st.lock);
    /* Outside the lock: the writer may look at the module map, which takes
     * the loader's lock. Readers gather definitions before events. */
    if (trace_on)
        trace_stack_def(id, pcs, n);
    return id;
out:
    prim_unlock(&st.lock);
    return id;
}

uint32_t stacks_intern(const uintptr_t *pcs, unsigned n)
{
    uint32_t slot, id;
    struct table *t = atomic_load_explicit(&st.tab, memory_order_acquire);
    if (n == 0 || !t)
        return STACK_NONE;
    struct hashes k = hash_frames(pcs, n);
    if ((id = find(t, k, NULL, n, &slot)) != 0)
        return id;
    return insert(k, pcs, n);
}

uint32_t stacks_from_raw(void **raw, int got, void *caller)
{
    unsigned depth = (unsigned)wd_opt.stack_depth;
    int i = 0;
    if (got <= 0) {
        uintptr_t pc = (uintptr_t)caller;
        return stacks_intern(&pc, 1);
    }
    /* Ward's own frames are on top; the rest is interned where it lies,
     * unless ward's frames come further in too (its SIGSEGV handler calling
     * the program's, the coroutine trampoline): those are left out. */
    while (i < got && stacks_is_ward_pc((uintptr_t)raw[i]))
        i++;
    int j = i;
    while (j < got && !stacks_is_ward_pc((uintptr_t)raw[j]))
        j++;
    if (j < got) {
        int k = j;
        for (; j < got; j++)
            if (!stacks_is_ward_pc((uintptr_t)raw[j]))
                raw[k++] = raw[j];
        got = k;
    }
    unsigned n = (unsigned)(got - i) < depth ? (unsigned)(got - i) : depth;
    return stacks_intern((const uintptr_t *)(raw + i), n);
}

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000          /* the kernel's flag, not in glibc's headers */
#endif

extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

/* glibc's __restore_rt, where a signal handler returns to: the restorer
 * glibc gave ward's own SIGSEGV handler. */
static uintptr_t restore_rt(void)
{
    static uintptr_t addr;
    if (!__atomic_load_n(&addr, __ATOMIC_RELAXED)) {
        struct sigaction sa;
        if (__sigaction(SIGSEGV, NULL, &sa) == 0 && (sa.sa_flags & SA_RESTORER))
            __atomic_store_n(&addr, (uintptr_t)sa.sa_restorer, __ATOMIC_RELAXED);
    }
    return __atomic_load_n(&addr, __ATOMIC_RELAXED);
}

/* libunwind's walk. A frame right after a signal frame was interrupted,
 * not called from: its pc is the next instruction to run, stored plus one
 * like a fault's, so that "frame - 1" stays inside it (see stacks.h). */
int stacks_walk_slowly(void **raw, int max)
{
    int (*bt)(void **, int) = __atomic_load_n(&wd_unw.backtrace, __ATOMIC_ACQUIRE);
    int got = bt ? bt(raw, max) : 0;
    uintptr_t rt = got > 1 ? restore_rt() : 0;
    for (int k = 0; rt && k + 1 < got; k++)
        if ((uintptr_t)raw[k] == rt)
            raw[k + 1] = (char *)raw[k + 1] + 1;
    return got;
}

uint32_t stacks_capture_context(void *ucontext)
{
    uintptr_t pcs[STACK_MAX_DEPTH];
    unsigned depth = (unsigned)wd_opt.stack_depth, n = 0;
    unw_cursor_t cur;
    if (!wd_unw.init_local2 ||
        wd_unw.init_local2(&cur, ucontext, UNW_INIT_SIGNAL_FRAME) < 0)
        return STACK_NONE;
    bool top = true;
    do {
        unw_word_t ip;
        if (wd_unw.get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        /* ward's frames further in are left out, as stacks_from_raw does
         * (an interposer whose call into libc faulted, the coroutine
         * trampoline); the faulting one is kept. */
        if (top || !stacks_is_ward_pc((uintptr_t)ip))
            pcs[n++] = (uintptr_t)ip + top;     /* see stacks.h */
        top = false;
    } while (n < depth && wd_unw.step(&cur) > 0);
    return stacks_intern(pcs, n);
}

unsigned stacks_get(uint32_t id, const uintptr_t **pcs)
{
    if (id < 2 || id >= atomic_load_explicit(&st.next_id, memory_order_acquire))
        return 0;
    *pcs = st.store + st.recs[id].offset;
    return st.recs[id].depth;
}

uint32_t stacks_count(void)
{
    return atomic_load(&st.next_id);
}

void stacks_atfork_prepare(void) { prim_lock(&st.lock); }
void stacks_atfork_parent(void)  { prim_unlock(&st.lock); }
void stacks_atfork_child(void)   { prim_lock_reset(&st.lock); }

void stacks_trace_all(void)
{
    uint32_t n = atomic_load_explicit(&st.next_id, memory_order_acquire);
    for (uint32_t id = 2; id < n; id++)
        if (st.recs[id].depth)
            trace_stack_def(id, st.store + st.recs[id].offset, st.recs[id].depth);
}
