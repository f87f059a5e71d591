/* The fast unwinder (see unwind.h): rules per return address, read from
 * .eh_frame through glibc's _dl_find_object, kept in an open-addressing
 * table whose lookups take no lock.
 *
 * Only what gcc and clang emit for ordinary functions is interpreted; any
 * other CFI makes the rule FALLBACK and libunwind unwinds that stack. */
#define _GNU_SOURCE
#include "unwind.h"
#include "arena.h"
#include "core.h"
#include "coro.h"
#include "fault.h"
#include "heap.h"
#include "imem.h"
#include "maps.h"
#include "prim.h"
#include "stacks.h"
#include "threads.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* R_NOINFO: no unwind information covers the address (code without CFI,
 * or not code at all). */
enum { R_UNKNOWN = 0, R_FRAME, R_END, R_FALLBACK, R_NOINFO };

/* DWARF register numbers on x86-64. */
enum { DW_RBP = 6, DW_RSP = 7, DW_RA = 16 };

struct rule {
    int32_t cfa_off;        /* CFA = (cfa_bp ? rbp : rsp) + cfa_off */
    int16_t bp_off;         /* saved rbp at CFA + bp_off; 0: rbp unchanged */
    uint8_t cfa_bp;
    uint8_t kind;
};

/* ---- the table ---- */

#define TAB_MIN_BITS 10
#define TAB_MAX_BITS 20
#define TAB_PROBE    32

/* A rule packed in one word, so that it is read and written whole. */
struct entry {
    _Atomic uintptr_t ip;   /* 0: empty; published after the rule */
    _Atomic uint64_t rule;
};

/* The table starts small and doubles when half full: a small program
 * touches a few pages of it, not the half megabyte a large one needs.
 * Readers may still hold an older table, so none is ever freed (together
 * they are smaller than the current one). */
struct table {
    struct entry *e;
    uint32_t mask;
    uint32_t used;
    struct table *older;
};

static _Alignas(64) struct entry first_e[1u << TAB_MIN_BITS];
static struct table first = { first_e, (1u << TAB_MIN_BITS) - 1, 0, NULL };

static _Atomic(struct table *) tab = &first;
static wd_lock tab_lock;
static _Atomic uint32_t forgotten;      /* uw_forget calls: rules may differ */

static uint64_t pack(struct rule r)
{
    uint64_t w;
    memcpy(&w, &r, sizeof w);
    return w;
}

static struct rule unpack(uint64_t w)
{
    struct rule r;
    memcpy(&r, &w, sizeof r);
    return r;
}

static size_t slot_of(const struct table *t, uintptr_t ip)
{
    return (size_t)((ip * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

/* Lock-free: the ip is read again after the rule, so a rule rewritten for
 * another address meanwhile (uw_forget, then remember) is not taken.
 * Inlined, as rule_of is: the walk is instantiated twice (see walk), and
 * gcc then kept both out of line, a call per frame. */
static inline __attribute__((always_inline)) bool cached(struct table t, uintptr_t ip,
                                                         struct rule *r)
{
    size_t i = slot_of(&t, ip);
    for (unsigned k = 0; k < TAB_PROBE; k++, i = (i + 1) & t.mask) {
        uintptr_t v = atomic_load_explicit(&t.e[i].ip, memory_order_acquire);
        if (v == ip) {
            *r = unpack(atomic_load_explicit(&t.e[i].rule, memory_order_relaxed));
            atomic_thread_fence(memory_order_acquire);
            return atomic_load_explicit(&t.e[i].ip, memory_order_relaxed) == ip &&
                   r->kind != R_UNKNOWN;
        }
        if (!v)
            return false;
    }
    return false;
}

/* Stores into t; called with the lock held. False if t has no room near
 * ip's slot. */
static bool put(struct table *t, uintptr_t ip, uint64_t rule)
{
    size_t i = slot_of(t, ip);
    for (unsigned k = 0; k < TAB_PROBE; k++, i = (i + 1) & t->mask) {
        uintptr_t v = atomic_load_explicit(&t->e[i].ip, memory_order_relaxed);
        if (v == ip || !v) {
            /* An entry a fork cut short (ip set, rule R_UNKNOWN) is redone. */
            t->used += !v;
            atomic_thread_fence(memory_order_release);
            atomic_store_explicit(&t->e[i].rule, rule, memory_order_relaxed);
            atomic_store_explicit(&t->e[i].ip, ip, memory_order_release);
            return true;
        }
    }
    return false;
}

/* The table twice the size with t's rules; t if there is no memory. */
static struct table *grow(struct table *t)
{
    unsigned bits = (unsigned)__builtin_popcount(t->mask) + 1;
    /* Apart, so that the entries take a power of two (internal memory's
     * size classes) and start on a cache line. */
    struct table *n = imem_alloc(sizeof *n);
    struct entry *e = imem_alloc(sizeof(struct entry) << bits);
    if (!n || !e) {
        imem_free(n, sizeof *n);
        imem_free(e, sizeof(struct entry) << bits);
        return t;
    }
    n->e = e;
    n->mask = (1u << bits) - 1;
    n->older = t;
    for (uint32_t i = 0; i <= t->mask; i++) {
        uintptr_t ip = atomic_load_explicit(&t->e[i].ip, memory_order_relaxed);
        if (ip)
            put(n, ip, atomic_load_explicit(&t->e[i].rule, memory_order_relaxed));
    }
    atomic_store_explicit(&tab, n, memory_order_release);
    return n;
}

static void remember(uintptr_t ip, struct rule r)
{
    prim_lock(&tab_lock);
    struct table *t = atomic_load_explicit(&tab, memory_order_relaxed);
    if ((t->used + 1) * 2 > t->mask + 1 && t->mask < (1u << TAB_MAX_BITS) - 1)
        t = grow(t);
    put(t, ip, pack(r));        /* full: the rule is found again next time */
    prim_unlock(&tab_lock);
}

void uw_forget(void)
{
    prim_lock(&tab_lock);
    for (struct table *t = atomic_load_explicit(&tab, memory_order_relaxed); t; t = t->older) {
        for (size_t i = 0; i <= t->mask; i++) {
            if (!atomic_load_explicit(&t->e[i].ip, memory_order_relaxed))
                continue;
            atomic_store_explicit(&t->e[i].ip, 0, memory_order_relaxed);
            atomic_thread_fence(memory_order_release);  /* ip gone before the rule */
            atomic_store_explicit(&t->e[i].rule, 0, memory_order_relaxed);
        }
        t->used = 0;
    }
    atomic_fetch_add(&forgotten, 1);
    uw_maps_changed();                  /* dlclose unmaps without munmap */
    prim_unlock(&tab_lock);
}

size_t uw_table_size(void)
{
    return atomic_load_explicit(&tab, memory_order_acquire)->mask + 1;
}

/* ---- reading .eh_frame ---- */

struct rd {
    const uint8_t *p, *end;
    bool bad;
};

static uint64_t uleb(struct rd *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; r->p < r->end && shift < 64; shift += 7) {
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

static int64_t sleb(struct rd *r)
{
    uint64_t v = 0;
    unsigned shift = 0;
    uint8_t b = 0x80;
    while (r->p < r->end && shift < 64 && (b & 0x80)) {
        b = *r->p++;
        v |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    if (b & 0x80) {
        r->bad = true;
        return 0;
    }
    if (shift < 64 && (b & 0x40))
        v |= ~0ull << shift;
    return (int64_t)v;
}

static uint64_t fixed(struct rd *r, size_t n)
{
    uint64_t v = 0;
    if ((size_t)(r->end - r->p) < n) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, n);        /* little endian */
    r->p += n;
    return v;
}

static uint8_t byte(struct rd *r)
{
    return (uint8_t)fixed(r, 1);
}

/* A pointer in one of the DW_EH_PE encodings gcc and clang use. */
static uintptr_t encoded(struct rd *r, uint8_t enc, uintptr_t datarel)
{
    uintptr_t base = (uintptr_t)r->p, v;
    switch (enc & 0x70) {
    case 0x00: base = 0; break;             /* absolute */
    case 0x10: break;                       /* pc-relative */
    case 0x30: base = datarel; break;
    default: r->bad = true; return 0;
    }
    switch (enc & 0x0f) {
    case 0x00: case 0x04: v = (uintptr_t)fixed(r, 8); break;
    case 0x01: v = (uintptr_t)uleb(r); break;
    case 0x02: v = (uintptr_t)fixed(r, 2); break;
    case 0x03: v = (uintptr_t)fixed(r, 4); break;
    case 0x09: v = (uintptr_t)sleb(r); break;
    case 0x0a: v = (uintptr_t)(int16_t)fixed(r, 2); break;
    case 0x0b: v = (uintptr_t)(int32_t)fixed(r, 4); break;
    case 0x0c: v = (uintptr_t)fixed(r, 8); break;
    default: r->bad = true; return 0;
    }
    if (enc & 0x80)
        r->bad = true;                      /* indirect: not for code */
    return base + v;
}

/* ---- the CFA program ---- */

enum { SAVED_SAME = 0, SAVED_AT, SAVED_UNDEF, SAVED_OTHER };

struct regs {
    uint8_t cfa_reg;
    int64_t cfa_off;
    uint8_t bp, ra;             /* SAVED_* */
    int64_t bp_off, ra_off;
};

struct cie {
    uint64_t code_align;
    int64_t data_align;
    uint8_t fde_enc;
    bool aug_z, signal;
    struct rd init;             /* its initial instructions */
};

static void set_saved(struct regs *s, uint64_t reg, uint8_t how, int64_t off)
{
    if (reg == DW_RBP) {
        s->bp = how;
        s->bp_off = off;
    } else if (reg == DW_RA) {
        s->ra = how;
        s->ra_off = off;
    } else if (reg == DW_RSP && how != SAVED_SAME) {
        s->ra = SAVED_OTHER;        /* rsp restored from memory: not ours */
    }
}

static void restore(struct regs *s, const struct regs *initial, uint64_t reg)
{
    if (reg == DW_RBP) {
        s->bp = initial->bp;
        s->bp_off = initial->bp_off;
    } else if (reg == DW_RA) {
        s->ra = initial->ra;
        s->ra_off = initial->ra_off;
    }
}

/* An expression, skipped: what it computes is not followed. */
static void skip_block(struct rd *r)
{
    uint64_t n = uleb(r);
    if (n > (uint64_t)(r->end - r->p))
        r->bad = true;
    else
        r->p += n;
}

/* A CFA register this interpreter can follow, or 0xff. */
static uint8_t cfa_reg(uint64_t reg)
{
    return reg == DW_RSP || reg == DW_RBP ? (uint8_t)reg : 0xff;
}

/* One instruction that changes no location; false if not followed.
 * gcc and clang emit def_cfa, def_cfa_offset, def_cfa_register, offset,
 * restore, remember/restore_state and advance_loc for ordinary code; the
 * rest is handled so that unusual code still unwinds, or goes to
 * libunwind, never wrongly. */
static bool run_op(struct rd *r, uint8_t op, const struct cie *c, const struct regs *initial,
                   struct regs *s)
{
    uint64_t reg;
    switch (op) {
    case 0x00:                                          /* nop */
        return true;
    case 0x05:                                          /* offset_extended */
        reg = uleb(r);
        set_saved(s, reg, SAVED_AT, (int64_t)uleb(r) * c->data_align);
        return true;
    case 0x11:                                          /* offset_extended_sf */
        reg = uleb(r);
        set_saved(s, reg, SAVED_AT, sleb(r) * c->data_align);
        return true;
    case 0x06:                                          /* restore_extended */
        restore(s, initial, uleb(r));
        return true;
    case 0x07:                                          /* undefined */
        set_saved(s, uleb(r), SAVED_UNDEF, 0);
        return true;
    case 0x08:                                          /* same_value */
        set_saved(s, uleb(r), SAVED_SAME, 0);
        return true;
    case 0x09:                                          /* register */
    case 0x14:                                          /* val_offset */
        reg = uleb(r);
        uleb(r);
        set_saved(s, reg, SAVED_OTHER, 0);
        return true;
    case 0x15:                                          /* val_offset_sf */
        reg = uleb(r);
        sleb(r);
        set_saved(s, reg, SAVED_OTHER, 0);
        return true;
    case 0x10:                                          /* expression */
    case 0x16:                                          /* val_expression */
        reg = uleb(r);
        skip_block(r);
        set_saved(s, reg, SAVED_OTHER, 0);
        return true;
    case 0x0c:                                          /* def_cfa */
        s->cfa_reg = cfa_reg(uleb(r));
        s->cfa_off = (int64_t)uleb(r);
        return true;
    case 0x12:                                          /* def_cfa_sf */
        s->cfa_reg = cfa_reg(uleb(r));
        s->cfa_off = sleb(r) * c->data_align;
        return true;
    case 0x0d:                                          /* def_cfa_register */
        s->cfa_reg = cfa_reg(uleb(r));
        return true;
    case 0x0e:                                          /* def_cfa_offset */
        s->cfa_off = (int64_t)uleb(r);
        return true;
    case 0x13:                                          /* def_cfa_offset_sf */
        s->cfa_off = sleb(r) * c->data_align;
        return true;
    case 0x2e:                                          /* GNU_args_size */
        uleb(r);
        return true;
    default:                            /* def_cfa_expression, set_loc, vendor ops */
        return false;
    }
}

/* Runs a CFA program until the location passes target. remember_state
 * saves the CFA rule too, as gcc's and LLVM's unwinders do and as the
 * compilers' epilogues expect. */
static bool run_cfa(struct rd *r, const struct cie *c, const struct regs *initial,
                    struct regs *s, uintptr_t loc, uintptr_t target)
{
    struct regs stack[8];
    unsigned depth = 0;
    while (r->p < r->end && !r->bad) {
        uint8_t op = byte(r);
        uint64_t delta;
        if (op >> 6 == 1) {
            delta = op & 0x3f;                                          /* advance_loc */
        } else if (op >> 6 == 2) {
            set_saved(s, op & 0x3f, SAVED_AT, (int64_t)uleb(r) * c->data_align);
            continue;
        } else if (op >> 6 == 3) {
            restore(s, initial, op & 0x3f);
            continue;
        } else if (op >= 0x02 && op <= 0x04) {
            delta = fixed(r, op == 0x02 ? 1 : op == 0x03 ? 2 : 4);      /* advance_loc1/2/4 */
        } else if (op == 0x0a) {                                        /* remember_state */
            if (depth == WD_ARRAY_LEN(stack))
                return false;
            stack[depth++] = *s;
            continue;
        } else if (op == 0x0b) {                                        /* restore_state */
            if (!depth)
                return false;
            *s = stack[--depth];
            continue;
        } else if (run_op(r, op, c, initial, s)) {
            continue;
        } else {
            return false;
        }
        loc += delta * c->code_align;
        if (loc > target)
            return true;
    }
    return !r->bad;
}

/* ---- finding a return address's FDE ---- */

static bool read_cie(const uint8_t *p, struct cie *c)
{
    struct rd r = { p, p + 4, false };
    uint64_t len = fixed(&r, 4);
    if (len == 0 || len >= 0xfffffff0u)
        return false;
    r.end = p + 4 + len;
    if (fixed(&r, 4) != 0)                  /* a CIE's id */
        return false;
    uint8_t version = byte(&r);
    const char *aug = (const char *)r.p;
    size_t alen = strnlen(aug, (size_t)(r.end - r.p));
    if (r.bad || alen == (size_t)(r.end - r.p))
        return false;                       /* no terminator */
    r.p += alen + 1;
    c->code_align = uleb(&r);
    c->data_align = sleb(&r);
    uint64_t ra = version == 1 ? byte(&r) : uleb(&r);
    c->fde_enc = 0;
    c->signal = false;
    c->aug_z = aug[0] == 'z';
    if (ra != DW_RA || (alen && !c->aug_z))
        return false;
    if (c->aug_z) {
        uint64_t n = uleb(&r);
        const uint8_t *data_end = r.p + n;
        for (size_t i = 1; i < alen && !r.bad; i++) {
            if (aug[i] == 'R')
                c->fde_enc = byte(&r);
            else if (aug[i] == 'P')             /* the personality: skipped */
                encoded(&r, byte(&r) & 0x7f, 0);
            else if (aug[i] == 'L')
                byte(&r);
            else if (aug[i] == 'S')
                c->signal = true;
            else
                return false;
        }
        if (data_end > r.end)
            return false;
        r.p = data_end;
    }
    c->init = r;
    return !r.bad;
}

/* The FDE covering pc in the module's .eh_frame_hdr search table. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t pc)
{
    if (hdr[0] != 1 || hdr[3] != 0x3b)      /* version 1, datarel sdata4 table */
        return NULL;
    struct rd r = { hdr + 4, hdr + 32, false };
    encoded(&r, hdr[1], (uintptr_t)hdr);    /* eh_frame_ptr */
    uint64_t n = encoded(&r, hdr[2], (uintptr_t)hdr);
    if (r.bad || n == 0)
        return NULL;
    const int32_t *t = (const int32_t *)r.p;
    uint64_t lo = 0, hi = n;
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if ((uintptr_t)hdr + (intptr_t)t[2 * mid] <= pc)
            lo = mid;
        else
            hi = mid;
    }
    if ((uintptr_t)hdr + (intptr_t)t[2 * lo] > pc)
        return NULL;
    return hdr + t[2 * lo + 1];
}

static struct rule fallback(void)
{
    return (struct rule){ .kind = R_FALLBACK };
}

/* The FDE covering pc, and where it starts; NULL if none. */
static const uint8_t *fde_of(uintptr_t pc, struct cie *c, uintptr_t *begin, struct rd *r)
{
    struct dl_find_object dlfo;
    if (_dl_find_object((void *)pc, &dlfo) != 0 || !dlfo.dlfo_eh_frame)
        return NULL;
    const uint8_t *fde = find_fde(dlfo.dlfo_eh_frame, pc);
    if (!fde)
        return NULL;
    *r = (struct rd){ fde, fde + 8, false };
    uint64_t len = fixed(r, 4);
    if (len == 0 || len >= 0xfffffff0u)
        return NULL;
    r->end = fde + 4 + len;
    const uint8_t *id_at = r->p;
    uint32_t cie_off = (uint32_t)fixed(r, 4);
    if (!cie_off || !read_cie(id_at - cie_off, c))
        return NULL;
    *begin = encoded(r, c->fde_enc, 0);
    uintptr_t range = encoded(r, c->fde_enc & 0x0f, 0);
    if (r->bad || pc < *begin || pc - *begin >= range)
        return NULL;
    if (c->aug_z)
        skip_block(r);
    return r->bad ? NULL : fde;
}

/* The rule for the frame that will return to ra: the call is at ra - 1.
 * If nothing covers that but ra starts a function, ra was pushed, not
 * called to: the first frame of a makecontext coroutine "returns" to the
 * start of __start_context, and the stack ends there. */
static struct rule compute(uintptr_t ra)
{
    struct cie c;
    struct rd r;
    uintptr_t begin;
    if (!fde_of(ra - 1, &c, &begin, &r))
        return fde_of(ra, &c, &begin, &r) && begin == ra && !c.signal
                   ? (struct rule){ .kind = R_END } : (struct rule){ .kind = R_NOINFO };
    if (c.signal)
        return fallback();
    uintptr_t pc = ra - 1;
    struct regs initial = { .cfa_reg = 0xff, .bp = SAVED_SAME, .ra = SAVED_SAME }, s;
    if (!run_cfa(&c.init, &c, &initial, &initial, begin, UINTPTR_MAX))
        return fallback();
    s = initial;
    if (!run_cfa(&r, &c, &initial, &s, begin, pc))
        return fallback();
    if (s.ra == SAVED_UNDEF)
        return (struct rule){ .kind = R_END };
    if ((s.cfa_reg != DW_RSP && s.cfa_reg != DW_RBP) || s.ra != SAVED_AT || s.ra_off != -8 ||
        (s.bp != SAVED_SAME && s.bp != SAVED_AT) || s.cfa_off <= 0 || s.cfa_off > INT32_MAX ||
        (s.bp == SAVED_AT && (s.bp_off > -8 || s.bp_off < INT16_MIN)))
        return fallback();
    return (struct rule){ .cfa_off = (int32_t)s.cfa_off,
                          .bp_off = s.bp == SAVED_AT ? (int16_t)s.bp_off : 0,
                          .cfa_bp = s.cfa_reg == DW_RBP, .kind = R_FRAME };
}

static inline __attribute__((always_inline)) struct rule rule_of(struct table t,
                                                                  uintptr_t ra)
{
    struct rule r;
    if (WD_LIKELY(cached(t, ra, &r)))
        return r;
    r = compute(ra);
    remember(ra, r);
    return r;
}

/* ---- walking ---- */

/* ---- stacks ward was not told of ----
 *
 * A switcher ward does not see (hand-written assembly, Perl's Coro, Ruby's
 * fibers) runs code on memory ward knows nothing of. A walk there is
 * bounded by what holds sp: its heap block, or else its mapping. The
 * mappings are read from /proc/self/maps into one sorted table for the
 * process; each thread keeps the few it used last. Kernel state can still
 * change under a walk in ways no interposer sees (a guard marker inside a
 * mapping, a raw munmap), so reads on these stacks are also guarded: a
 * fault ends the walk and libunwind, which checks every read, does it. */

#define FOREIGN_SPANS 8

struct span {
    uintptr_t lo, hi;
    uint64_t  version;          /* of the table it came from; 0: empty */
    uint64_t  gen;              /* maps_gen then */
    int       w;                /* the slot of watched[] that watches it */
    uint32_t  wgen;             /* that slot's gen then */
};

static WD_TLS struct span spans[FOREIGN_SPANS];
static WD_TLS unsigned spans_next;
static _Atomic uint64_t maps_gen = 1;

/* The readable, writable mappings, as /proc/self/maps lists them, kept
 * current by munmap (uw_unmapped) and by the kernel's answers about single
 * mappings (query_one). Read whole again only where those cannot be had
 * (before Linux 6.11), and past the first READ_FREE_NS of reading for at
 * most a tenth of the time since: a program with 10,000 mappings takes
 * milliseconds to list them. */
#define READ_FREE_NS 50000000ull
static struct {
    wd_lock   lock;
    uintptr_t (*r)[2];          /* [lo, hi), ascending */
    uint32_t  n, cap;
    uint64_t  gen;              /* maps_gen when read */
    _Atomic uint64_t version;   /* reads so far */
    uint64_t  first_at, spent;  /* when the first read started; ns spent reading */
    bool      overflow;         /* the last read had more than cap */
} mt;

/* The mappings threads keep, each with a count of the unmappings that
 * touched it: unmapping one (a finished fiber's stack) sends only the
 * threads that use it back to the table, and an unmapping elsewhere (a
 * heap page, a file) none. A mapping with no slot free is not kept: each
 * walk on it looks in the table (under its lock, no system call). */
#define WATCHED 64

static struct {
    _Atomic uintptr_t lo, hi;       /* 0, 0: free */
    _Atomic uint32_t gen;
} watched[WATCHED];

void uw_maps_changed(void)
{
    atomic_fetch_add_explicit(&maps_gen, 1, memory_order_release);
}

static void table_drop(uintptr_t lo, uintptr_t hi);

/* munmap may come from a signal handler that interrupted a lookup on this
 * thread: the table's lock is only tried, and if taken, every thread's
 * mappings are out of date instead. Under the lock, no lookup can hand out
 * (and watch) a mapping between the two steps. */
void uw_unmapped(uintptr_t lo, uintptr_t hi)
{
    if (!prim_trylock(&mt.lock)) {
        uw_maps_changed();
        return;
    }
    for (unsigned i = 0; i < WATCHED; i++)
        if (lo < atomic_load_explicit(&watched[i].hi, memory_order_relaxed) &&
            hi > atomic_load_explicit(&watched[i].lo, memory_order_relaxed)) {
            atomic_fetch_add_explicit(&watched[i].gen, 1, memory_order_release);
            atomic_store_explicit(&watched[i].hi, 0, memory_order_relaxed);
            atomic_store_explicit(&watched[i].lo, 0, memory_order_relaxed);
        }
    table_drop(lo, hi);
    prim_unlock(&mt.lock);
}

/* Sets s->w and s->wgen to the slot that watches s from now on, or s->w
 * to -1 if none is free. Called with mt.lock held. */
static void watch(struct span *s)
{
    int i = -1;
    for (int k = 0; k < WATCHED && i < 0; k++)
        if (atomic_load_explicit(&watched[k].lo, memory_order_relaxed) == s->lo &&
            atomic_load_explicit(&watched[k].hi, memory_order_acquire) == s->hi)
            i = k;
    for (int k = 0; i < 0 && k < WATCHED; k++)
        if (!atomic_load_explicit(&watched[k].hi, memory_order_acquire))
            i = k;
    s->w = i;
    if (i < 0)
        return;
    s->wgen = atomic_load_explicit(&watched[i].gen, memory_order_acquire);
    atomic_store_explicit(&watched[i].lo, s->lo, memory_order_relaxed);
    atomic_store_explicit(&watched[i].hi, s->hi, memory_order_release);
}

/* Only memory a stack can be: read and written, and not a shared file
 * mapping, which can end before its last page (SIGBUS). */
static bool may_hold_stack(bool r, bool w, bool shared_file)
{
    return r && w && !shared_file;
}

static bool add_span(const struct map_ent *e, void *arg)
{
    (void)arg;
    if (!may_hold_stack(e->r, e->w, !e->priv && e->path[0]))
        return true;
    if (mt.n == mt.cap) {
        mt.overflow = true;
        return false;
    }
    mt.r[mt.n][0] = e->lo;
    mt.r[mt.n][1] = e->hi;
    mt.n++;
    return true;
}

static void read_maps(void *arg)
{
    (void)arg;
    mt.n = 0;
    mt.overflow = false;
    if (!maps_foreach(add_span, NULL))
        mt.n = 0;
}

/* The reader keeps its buffer on the stack, which may be a small
 * coroutine's: it runs on one of its own, with signals blocked so that no
 * handler runs there. Called with mt.lock held. */
#define READ_STACK (64u << 10)

static void reread(uint64_t gen)
{
    char *stack = imem_alloc(READ_STACK);
    if (!stack)
        return;
    for (int tries = 0; tries < 10; tries++) {     /* 256 << 9 > vm.max_map_count */
        if (!mt.r || mt.overflow) {
            uint32_t cap = mt.cap ? 2 * mt.cap : 256;
            void *r = imem_alloc(cap * sizeof *mt.r);
            if (!r)
                break;
            if (mt.r)
                imem_free(mt.r, mt.cap * sizeof *mt.r);
            mt.r = r;
            mt.cap = cap;
        }
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        prim_call_on_stack(read_maps, NULL, stack + READ_STACK);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (!mt.overflow)
            break;
    }
    imem_free(stack, READ_STACK);
    mt.gen = gen;
    atomic_fetch_add_explicit(&mt.version, 1, memory_order_release);
}

static bool search(uintptr_t sp, struct span *out)
{
    uint32_t lo = 0, hi = mt.n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (sp >= mt.r[mid][1])
            lo = mid + 1;
        else if (sp < mt.r[mid][0])
            hi = mid;
        else {
            out->lo = mt.r[mid][0];
            out->hi = mt.r[mid][1];
            return true;
        }
    }
    return false;
}

/* The kernel's answer for the one mapping that holds sp (Linux 6.11):
 * three system calls where reading the whole list takes thousands of
 * lines. A stack the table does not have is most often a new coroutine's
 * (Ruby and PHP map every fiber's stack), made since it was read. */
struct procmap_query {
    uint64_t size, query_flags, query_addr;
    uint64_t vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
    uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
    uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY   _IOWR('f', 17, struct procmap_query)
#define VMA_READABLE    0x01
#define VMA_WRITABLE    0x02
#define VMA_SHARED      0x08

static bool query_one(uintptr_t sp, struct span *out)
{
    static bool unsupported;
    if (unsupported)
        return false;
    /* The thread's view: once the main thread has called pthread_exit,
     * the leader's answers ESRCH. */
    int fd = open("/proc/thread-self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct procmap_query q = { .size = sizeof q, .query_addr = sp };
    int rc = ioctl(fd, PROCMAP_QUERY, &q), err = errno;
    close(fd);
    if (rc != 0) {
        unsupported = err == ENOTTY || err == EINVAL;
        return false;
    }
    if (!may_hold_stack(q.vma_flags & VMA_READABLE, q.vma_flags & VMA_WRITABLE,
                        (q.vma_flags & VMA_SHARED) && q.inode))
        return false;
    out->lo = q.vma_start;
    out->hi = q.vma_end;
    return true;
}

/* The entries [*at, *end) of the table that overlap [lo, hi). */
static void overlapping(uintptr_t lo, uintptr_t hi, uint32_t *at, uint32_t *end)
{
    uint32_t a = 0, b = mt.n, e;
    while (a < b) {                     /* the first that ends above lo */
        uint32_t mid = (a + b) / 2;
        if (mt.r[mid][1] <= lo)
            a = mid + 1;
        else
            b = mid;
    }
    for (e = a; e < mt.n && mt.r[e][0] < hi; e++)
        ;
    *at = a;
    *end = e;
}

/* Puts a mapping the kernel just gave into the table, over what the table
 * had there: the next thread that misses finds it without a query. */
static void table_put(uintptr_t lo, uintptr_t hi)
{
    uint32_t at, end;
    if (mt.n == mt.cap) {
        void *r = imem_alloc(2 * mt.cap * sizeof *mt.r);
        if (!r)
            return;                     /* no room: the next miss asks again */
        memcpy(r, mt.r, mt.n * sizeof *mt.r);
        imem_free(mt.r, mt.cap * sizeof *mt.r);
        mt.r = r;
        mt.cap *= 2;
    }
    overlapping(lo, hi, &at, &end);
    memmove(&mt.r[at + 1], &mt.r[end], (mt.n - end) * sizeof *mt.r);
    mt.n -= end - at - 1;
    mt.r[at][0] = lo;
    mt.r[at][1] = hi;
}

/* Takes out of the table the mappings [lo, hi) touches (whole: what is
 * left of one is asked about again). Called with mt.lock held. */
static void table_drop(uintptr_t lo, uintptr_t hi)
{
    uint32_t at, end;
    if (!mt.r)
        return;
    overlapping(lo, hi, &at, &end);
    memmove(&mt.r[at], &mt.r[end], (mt.n - end) * sizeof *mt.r);
    mt.n -= end - at;
}

/* A mapping from the table is handed out as it is while the table is
 * current (a munmap that found it locked, a fault or an unloaded module
 * make it old). Else the kernel is asked about that one mapping, or,
 * before Linux 6.11, the table is read again, within the budget; past it,
 * the old table's word is taken, the walk being guarded. */
static WD_COLD uintptr_t lookup_mapping(uintptr_t sp)
{
    struct span s = { 0 };
    uint64_t gen = atomic_load_explicit(&maps_gen, memory_order_acquire);
    prim_lock(&mt.lock);
    bool found = mt.version && search(sp, &s), fresh = false;
    if (found && mt.gen == gen) {
        fresh = true;
    } else if (prim_sandboxed()) {
        /* Under a seccomp filter, opening the maps in the middle of the
         * run could kill the process: libunwind walks, as it did before. */
        found = false;
    } else if (mt.r && query_one(sp, &s)) {
        found = fresh = true;
        table_put(s.lo, s.hi);
    } else {
        uint64_t now = prim_now_ns();
        if (!mt.version)
            mt.first_at = now;
        if (mt.spent <= READ_FREE_NS + (now - mt.first_at) / 10) {
            reread(gen);
            mt.spent += prim_now_ns() - now;
            found = fresh = search(sp, &s);
        }
    }
    s.w = -1;
    if (fresh)
        watch(&s);
    s.version = atomic_load_explicit(&mt.version, memory_order_relaxed);
    s.gen = gen;
    prim_unlock(&mt.lock);
    if (!found)
        return 0;
    if (s.w >= 0)                       /* else looked up again next time */
        spans[spans_next++ % FOREIGN_SPANS] = s;
    return s.hi;
}

static uintptr_t mapping_top(uintptr_t sp)
{
    uint64_t v = atomic_load_explicit(&mt.version, memory_order_acquire);
    uint64_t gen = atomic_load_explicit(&maps_gen, memory_order_acquire);
    for (unsigned i = 0; i < FOREIGN_SPANS; i++) {
        const struct span *s = &spans[i];
        if (s->version == v && s->gen == gen && sp >= s->lo && sp < s->hi &&
            atomic_load_explicit(&watched[s->w].gen, memory_order_acquire) == s->wgen)
            return s->hi;
    }
    return lookup_mapping(sp);
}

/* A walk that faulted: what this thread knew of the mappings is wrong. */
static void forget_spans(void)
{
    memset(spans, 0, sizeof spans);
    uw_maps_changed();
}

void uw_atfork_prepare(void)
{
    prim_lock(&tab_lock);
    prim_lock(&mt.lock);
}

void uw_atfork_parent(void)
{
    prim_unlock(&mt.lock);
    prim_unlock(&tab_lock);
}

void uw_atfork_child(void)
{
    prim_lock_reset(&mt.lock);
    prim_lock_reset(&tab_lock);
}

/* A heap block is looked up every time: freeing it may take its pages. */
static uintptr_t block_top(uintptr_t sp)
{
    struct wd_block b;
    if (!heap_find((const void *)sp, &b) || b.m->state != BS_LIVE)
        return 0;
    uintptr_t user = blk_user(&b), end = user + blk_size(&b);
    return sp >= user && sp < end ? end : 0;
}

/* The top of the stack sp is on, or 0 if ward does not know it. *foreign
 * is set when the stack is none of ward's threads' or coroutines'. */
static uintptr_t stack_top(uintptr_t sp, bool *is_foreign)
{
    struct wd_thread *t = wd_tls.self;
    if (WD_LIKELY(t && sp >= t->stack_lo && sp < t->stack_hi))
        return t->stack_hi;
    struct wd_coro *c = wd_tls.coro ? coro_get(wd_tls.coro) : NULL;
    if (c && sp >= c->stack_lo && sp < c->stack_hi)
        return c->stack_hi;
    if (!t || wd_state != WD_ACTIVE)    /* ward's own start, a thread it missed */
        return 0;
    *is_foreign = true;
    return arena_contains((const void *)sp) ? block_top(sp) : mapping_top(sp);
}

/* ---- the last walk ----
 *
 * Two stacks taken one after the other on a thread share their outer
 * frames: main, the event loop, the interpreter's dispatch. Each thread
 * keeps its last walk, every frame's registers and the stack words read to
 * step to it. When a walk reaches a frame the last one had (same stack
 * pointer and return address), the frames beyond are the same if the words
 * they were read from still hold what they held, and rbp is the same where
 * a rule reads it: checking a word is a load and a compare, where working
 * out a frame is a probe of the rule table. Sound on its own terms: the
 * walk would have read the same words and applied the same rules.
 *
 * Two records, so that the last walk stays whole while the next is written;
 * a walk that finds the thread's memo in use (a signal handler allocating
 * during a walk) neither reads nor writes it. */

#define MEMO_FRAMES 72        /* stack_depth's largest, and ward's frames */
/* A walk this short has too little to reuse to pay for keeping its record:
 * the next walk of a thread whose last one was goes without the memo. */
#define MEMO_MIN    8

/* A frame of a walk: its registers, and where its rbp was read. One record
 * per frame, so that the few frames most walks take share cache lines. */
struct mframe {
    uintptr_t ip, sp, bp;
    int16_t   bp_off;           /* bp read at sp + bp_off; 0: carried over */
    uint8_t   cfa_bp;           /* its rule finds the CFA from rbp */
};

struct walk {
    uintptr_t hi;               /* the stack's top */
    uint32_t  gen;              /* uw_forget calls before it */
    int       n, max;           /* n == 0: nothing recorded */
    struct mframe f[MEMO_FRAMES + 1];
};

/* ---- repeated walks ----
 *
 * A loop that allocates from one place walks the same stack every time:
 * the same registers at the top, the same words on the way. Each thread
 * keeps its last walks in a few slots, chosen by the return address into
 * the program and the stack pointer, with the id their stack was interned
 * as. A walk that starts where one of them did and finds every word that
 * walk's result rests on still there is that walk again, by the memo's
 * argument: its stack is that id, and the frames are neither worked out
 * nor hashed and looked up in the stack table. Checking a word is a load
 * and a compare; for the memo's walk it was that, and the hash of every
 * frame and a probe of the stack table besides. */

#define REPEAT_SLOTS  8         /* a power of two */
#define REPEAT_FRAMES 40        /* stack_depth's default and ward's own frames */

struct repeat {
    uintptr_t hi;
    uintptr_t end;              /* the word the walk ended on, read below
                                   WD_PAGE as the last return address; 0: none */
    uint32_t  gen;
    uint32_t  id;               /* 0: not interned yet, or empty */
    int       n, max;
    struct mframe f[REPEAT_FRAMES];
};

struct uw_memo {
    struct walk w[2];
    int cur;
    volatile bool busy;
    bool shallow;               /* the last walk was too short to gain */
    uint32_t seq;               /* walks that used the memo: a slot filled by one
                                   is still its own while seq has not moved */
    struct repeat rep[REPEAT_SLOTS];
};

_Static_assert(sizeof(struct uw_memo) <= 16384, "a thread's memo is four pages");

struct uw_memo *uw_memo_new(void)
{
    return imem_alloc(sizeof(struct uw_memo));
}

void uw_memo_free(struct uw_memo *m)
{
    imem_free(m, sizeof *m);
}

/* Whether stepping from the old walk's frame m - 1 to m, with rbp = *bp,
 * would read what it read then; *bp becomes frame m's rbp. */
static inline __attribute__((always_inline)) bool holds(const struct walk *old, int m,
                                                        uintptr_t *bp)
{
    const struct mframe *f = &old->f[m];
    if (f[-1].cfa_bp && *bp != f[-1].bp)
        return false;
    if (*(const uintptr_t *)(f->sp - 8) != f->ip)
        return false;
    if (f->bp_off) {
        if (*(const uintptr_t *)(f->sp + f->bp_off) != f->bp)
            return false;
        *bp = f->bp;
    }
    return true;
}

/* The new walk, at frame n, is where the old one was at frame *j. If the
 * old walk's frames beyond still hold, copies them (up to its last, or to
 * max) into out and nw and returns the last one's index in the new walk,
 * with *bp its rbp. Otherwise returns -1 and sets *j to the first frame
 * that changed: a later match before it would fail there again. Every
 * word read lies between the old frame j's stack pointer, which is the
 * current one, and the top. */
static inline __attribute__((always_inline)) int reuse(const struct walk *old, int *j, int n,
                                                      uintptr_t *bp, void **out,
                 struct walk *nw)
{
    uintptr_t cur = *bp;
    int k = n;
    nw->f[n].cfa_bp = old->f[*j].cfa_bp;
    for (int m = *j + 1; m < old->n && k + 1 < old->max; m++) {
        if (!holds(old, m, &cur)) {
            *j = m;
            return -1;
        }
        k++;
        out[k] = (void *)old->f[m].ip;
        nw->f[k] = old->f[m];
        nw->f[k].bp = cur;
    }
    *bp = cur;
    return k;
}

/* How far past a foreign stack's top the last frame's rule may point for
 * the stack to end there: an exit function's address left as the entry's
 * return address (Perl's Coro leaves abort's) has the rule of the code
 * before it, which reads a few words above. Further off, the rule goes to
 * another stack (a call made on a stack of its own), for libunwind. */
#define FOREIGN_SLACK 4096

/* The slot of a walk that starts at sp, called from caller. */
static struct repeat *repeat_slot(struct uw_memo *memo, uintptr_t caller, uintptr_t sp)
{
    uintptr_t k = (caller ^ (sp >> 4)) * 0x9e3779b97f4a7c15ull;
    return &memo->rep[k >> (64 - __builtin_ctz(REPEAT_SLOTS))];
}

/* Whether a walk from these registers would take e's frames: each
 * frame's return address is where it was read, rbp is what it was where a
 * rule took the CFA from it, and the word the walk ended on is still
 * below WD_PAGE. A saved rbp that no later rule uses may differ: code
 * built without frame pointers keeps data there. */
static bool repeats(const struct repeat *e, uintptr_t bp, uintptr_t sp, uintptr_t ip,
                    uintptr_t hi, uint32_t gen, int max)
{
    if (!e->id || e->f[0].sp != sp || e->f[0].ip != ip || e->hi != hi || e->gen != gen ||
        e->max != max)
        return false;
    for (int m = 0; m < e->n; m++) {
        const struct mframe *f = &e->f[m];
        if (m) {
            if (*(const uintptr_t *)(f->sp - 8) != f->ip)
                return false;
            if (f->bp_off)
                bp = *(const uintptr_t *)(f->sp + f->bp_off);
        }
        if (f->cfa_bp && bp != f->bp)
            return false;
    }
    return !e->end || *(const uintptr_t *)e->end < WD_PAGE;
}

/* Keeps the walk just taken in its repeat slot, to be given its id. */
static void repeat_keep(struct uw_memo *memo, struct repeat *e, const struct walk *w,
                        uintptr_t end, struct uw_repeat *rep)
{
    e->id = 0;
    memcpy(e->f, w->f, (size_t)w->n * sizeof *e->f);
    e->n = w->n;
    e->hi = w->hi;
    e->gen = w->gen;
    e->max = w->max;
    e->end = end;
    rep->slot = (uint32_t)(e - memo->rep) + 1;
    rep->seq = memo->seq;
}

/* Everything is read under the busy flag: a signal handler's walk in
 * between may have taken the slot (seq moved on), or be under way. */
void uw_repeat_done(const struct uw_repeat *rep, uint32_t id)
{
    struct uw_memo *memo = wd_tls.memo;
    if (!rep->slot || !memo || memo->busy)
        return;
    memo->busy = true;
    atomic_signal_fence(memory_order_seq_cst);
    if (memo->seq == rep->seq && id > STACK_FULL)
        memo->rep[rep->slot - 1].id = id;
    atomic_signal_fence(memory_order_seq_cst);
    memo->busy = false;
}

/* rep (NULL: no repeat wanted): rep->caller picks the repeat slot, and
 * rep->id gets a repeat's stack id; nothing is then written to out and 0
 * is returned. */
static inline __attribute__((always_inline)) int walk(void **out, int max, uintptr_t bp,
                                                      uintptr_t sp, uintptr_t ip,
                                                      uintptr_t hi, bool foreign,
                                                      struct uw_repeat *rep)
{
    /* Where a table's entries live and how many there are never change
     * once it is published: read once per walk, not at every frame. */
    const struct table *cur = atomic_load_explicit(&tab, memory_order_acquire);
    struct table t = { .e = cur->e, .mask = cur->mask };
    uint32_t gen = atomic_load_explicit(&forgotten, memory_order_acquire);
    struct uw_memo *memo = foreign ? NULL : wd_tls.memo;
    struct walk *old = NULL, *nw = NULL;
    uintptr_t end = 0;
    int n = 0, j = 0;
    if (memo && !memo->busy && max <= MEMO_FRAMES) {
        memo->busy = true;
        atomic_signal_fence(memory_order_seq_cst);
        memo->seq++;
        if (rep) {
            const struct repeat *e = repeat_slot(memo, rep->caller, sp);
            if (repeats(e, bp, sp, ip, hi, gen, max)) {
                rep->id = e->id;
                atomic_signal_fence(memory_order_seq_cst);
                memo->busy = false;
                return 0;
            }
        }
        nw = &memo->w[memo->cur ^ 1];
        old = memo->shallow ? NULL : &memo->w[memo->cur];
        if (old && (!old->n || old->hi != hi || old->gen != gen || old->max != max))
            old = NULL;
        nw->f[0].bp_off = 0;
    }
    while (n < max) {
        out[n] = (void *)ip;
        if (nw) {
            nw->f[n].ip = ip;
            nw->f[n].sp = sp;
            nw->f[n].bp = bp;
        }
        if (old) {
            while (j < old->n && old->f[j].sp < sp)
                j++;
            if (j < old->n && old->f[j].sp == sp && old->f[j].ip == ip) {
                int k = reuse(old, &j, n, &bp, out, nw);
                if (k >= 0) {
                    old = NULL;
                    n = k;
                    ip = (uintptr_t)out[n];
                    sp = nw->f[n].sp;
                }
            }
        }
        n++;
        struct rule r = rule_of(t, ip);
        /* Before the bounds below: where they end the walk, it ended on
         * this frame's rbp too. */
        if (nw)
            nw->f[n - 1].cfa_bp = r.kind == R_FRAME && r.cfa_bp;
        if (r.kind == R_END)
            break;
        if (r.kind != R_FRAME) {
            /* On a foreign stack, code without unwind information from
             * which no frame pointer leads on is the switcher's entry:
             * the stack ends there, as libunwind's walk does. */
            if (!foreign || r.kind != R_NOINFO || (bp >= sp && bp < hi))
                n = -1;
            break;
        }
        uintptr_t cfa = (r.cfa_bp ? bp : sp) + (uintptr_t)(intptr_t)r.cfa_off;
        /* Everything read lies between the stack pointer and the top. */
        if (cfa < sp + 8 || cfa > hi || (r.bp_off && cfa + r.bp_off < sp)) {
            if (foreign && !(cfa > hi && cfa - hi <= FOREIGN_SLACK))
                n = -1;
            break;
        }
        ip = *(const uintptr_t *)(cfa - 8);
        if (r.bp_off)
            bp = *(const uintptr_t *)(cfa + r.bp_off);
        if (nw)
            nw->f[n].bp_off = r.bp_off;
        sp = cfa;
        if (ip < WD_PAGE) {
            end = cfa - 8;
            break;
        }
    }
    if (nw) {
        if (n > 0) {                    /* not libunwind's to walk */
            nw->n = n;
            nw->hi = hi;
            nw->gen = gen;
            nw->max = max;
            memo->cur ^= 1;
            memo->shallow = n <= MEMO_MIN;
            if (rep && n <= REPEAT_FRAMES)
                repeat_keep(memo, repeat_slot(memo, rep->caller, nw->f[0].sp), nw, end, rep);
        }
        atomic_signal_fence(memory_order_seq_cst);
        memo->busy = false;
    }
    return n;
}

/* Reads on a foreign stack may fault (see above): the SIGSEGV handler
 * jumps back here, and libunwind walks instead. Without ward's handler,
 * or inside another guarded read, libunwind walks anyway. */
static WD_PROBED int walk_foreign(void **out, int max, uintptr_t bp, uintptr_t sp,
                                  uintptr_t ip, uintptr_t hi)
{
    sigjmp_buf env;
    if (wd_tls.probe || !fault_installed())
        return -1;
    if (sigsetjmp(env, 0)) {
        sigset_t segv;
        sigemptyset(&segv);
        sigaddset(&segv, SIGSEGV);
        pthread_sigmask(SIG_UNBLOCK, &segv, NULL);
        forget_spans();
        return -1;
    }
    wd_tls.probe = &env;
    int n = walk(out, max, bp, sp, ip, hi, true, NULL);
    wd_tls.probe = NULL;
    return n;
}

/* Called by uw_backtrace with the registers its caller left; not static,
 * so that the compiler keeps its name and calling convention. */
__attribute__((visibility("hidden"))) int uw_walk(void **out, int max, struct uw_repeat *rep,
                                                  uintptr_t bp, uintptr_t sp, uintptr_t ip);

int uw_walk(void **out, int max, struct uw_repeat *rep, uintptr_t bp, uintptr_t sp,
            uintptr_t ip)
{
    bool foreign = false;
    uintptr_t hi = stack_top(sp, &foreign);
    if (!hi)
        return -1;
    if (WD_UNLIKELY(foreign))
        return walk_foreign(out, max, bp, sp, ip, hi);
    return walk(out, max, bp, sp, ip, hi, false, rep);
}

/* uw_backtrace(out, max, rep): hands uw_walk its caller's rbp, stack
 * pointer and return address, and lets uw_walk return to that caller
 * directly. */
__asm__(".text\n"
        ".globl uw_backtrace\n"
        ".hidden uw_backtrace\n"
        ".type uw_backtrace, @function\n"
        "uw_backtrace:\n"
        "    .cfi_startproc\n"
        "    mov %rbp, %rcx\n"
        "    lea 8(%rsp), %r8\n"
        "    mov (%rsp), %r9\n"
        "    jmp uw_walk\n"
        "    .cfi_endproc\n"
        ".size uw_backtrace, .-uw_backtrace\n");
