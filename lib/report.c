/* Report formatting and output (see report.h). */
#define _GNU_SOURCE
#include "report.h"
#include "coro.h"
#include "ctx.h"
#include "imem.h"
#include "options.h"
#include "owners.h"
#include "prim.h"
#include "report_text.h"
#include "stacks.h"
#include "suppress.h"
#include "symbols.h"
#include "threads.h"
#include "trace_write.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define DEDUP 1024

static struct {
    wd_lock lock;
    char buf[16384];
    fmt_t out;
    int fd;                         /* 0: not opened yet */
    int err_fd;                     /* stderr as it was at start, or -1 */
    bool err_is_pipe;               /* ... a pipe or socket: not for children */
    struct prim_file_id err_id;
    struct prim_file_id log_id;     /* the log file's */
    _Atomic unsigned long errors;
    pid_t errors_pid;               /* the process they belong to (vfork shares memory) */
    struct wd_symbolizer *sym;
    char *stack;                    /* the report stack, used under the lock */
    _Atomic pid_t owner;            /* tid of the thread writing a report */
    unsigned long long sym_adds;    /* prim_dl_changes() when opened */
    uint64_t seen[DEDUP];           /* reports already written */
    bool seen_quiet[DEDUP];         /* ... or suppressed */
    uint16_t seen_rule[DEDUP];      /* by that rule */
    const char *warned[64];
    unsigned nwarned;
} rp;

const char *report_kind_name(enum wd_kind k)
{
    return rt_kind_name(k);
}

/* log_path with %p replaced by the pid. */
static void expand_path(char *dst, size_t n, const char *src)
{
    fmt_t f;
    fmt_init(&f, dst, n, -1);
    for (; *src; src++) {
        if (src[0] == '%' && src[1] == 'p') {
            fmt_u64(&f, (uint64_t)prim_getpid());
            src++;
        } else {
            fmt_char(&f, *src);
        }
    }
    fmt_cstr(&f);
}

/* Programs close stderr before ward's exit checks run (coreutils' atexit
 * handler closes it), or reuse fd 2 for a file of their own; reports must
 * still reach the stderr the program was started with, as Valgrind's do.
 * A copy is kept on a high descriptor, out of the program's way (closed on
 * exec: the next image keeps its own). A copy of a pipe or socket (a CI
 * job's log, `2>&1 | less`) is not passed to forked children: one that
 * lives on as a daemon would keep the pipe open, and whoever reads it
 * would wait for EOF as long as the daemon runs. */
void report_keep_stderr(void)
{
    struct stat st;
    rp.err_fd = -1;
    if (fstat(2, &st) != 0 || !(S_ISCHR(st.st_mode) || S_ISREG(st.st_mode) ||
                                S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
        return;
    rp.err_is_pipe = S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
    int base = prim_fd_base(PRIM_FD_FILES);
    int fd = base ? fcntl(2, F_DUPFD_CLOEXEC, base) : -1;
    if (fd >= 0 && prim_fd_id(fd, &rp.err_id))
        rp.err_fd = fd;
    else if (fd >= 0)
        prim_close(fd);
}

/* The kept copy if it is still ours (a program that closes every
 * descriptor may have closed it, and another file may sit there now). */
static int stderr_fd(void)
{
    return rp.err_fd > 2 && prim_fd_is(rp.err_fd, &rp.err_id) ? rp.err_fd : 2;
}

/* rp.fd: 0 before the first report, the log file once open, -1 for
 * stderr (looked at again for every report). */
static int output_fd(void)
{
    char path[WD_OPT_STR_MAX + 32];
    if (rp.fd == 0) {
        rp.fd = -1;
        if (wd_opt.log_path[0]) {
            expand_path(path, sizeof path, wd_opt.log_path);
            int fd = prim_open_excl(path);
            if (fd >= 0 && prim_fd_id(fd, &rp.log_id)) {
                rp.fd = fd;
            } else {
                int err = errno;
                fmt_t f;
                char msg[WD_OPT_STR_MAX + 160];
                fmt_init(&f, msg, sizeof msg, stderr_fd());
                report_prefix(&f);
                fmt_str(&f, "cannot create log file '");
                fmt_str(&f, path);
                fmt_str(&f, "': ");
                fmt_str(&f, strerror(err));
                if (err == EEXIST && !strstr(wd_opt.log_path, "%p"))
                    fmt_str(&f, " (ward never overwrites a file; use %p in log_path for one "
                                "file per process)");
                fmt_str(&f, "; reporting to stderr\n");
                fmt_flush(&f);
            }
        }
    }
    if (rp.fd > 0 && !prim_fd_is(rp.fd, &rp.log_id)) {
        /* The program closed it (and may have opened another file there). */
        rp.fd = -1;
        fmt_t f;
        char msg[160];
        fmt_init(&f, msg, sizeof msg, stderr_fd());
        report_prefix(&f);
        fmt_str(&f, "the program closed the descriptor of the log file; reporting to "
                    "stderr\n");
        fmt_flush(&f);
    }
    return rp.fd > 0 ? rp.fd : stderr_fd();
}

void report_prefix(fmt_t *f)
{
    fmt_str(f, "==");
    fmt_u64(f, (uint64_t)prim_getpid());
    fmt_str(f, "== ward: ");
}

fmt_t *report_open(void)
{
    wd_tls.in_ward++;
    prim_lock(&rp.lock);
    atomic_store(&rp.owner, prim_gettid());
    fmt_init(&rp.out, rp.buf, sizeof rp.buf, output_fd());
    return &rp.out;
}

void report_close(fmt_t *f)
{
    fmt_flush(f);
    atomic_store(&rp.owner, 0);
    prim_unlock(&rp.lock);
    wd_tls.in_ward--;
}

bool report_in_progress(void)
{
    return atomic_load(&rp.owner) == prim_gettid();
}

/* The symbolizer, reopened when libraries were loaded or unloaded. */
static struct wd_symbolizer *symbolizer(void)
{
    unsigned long long adds = prim_dl_changes();
    if (rp.sym && adds != rp.sym_adds) {
        sym_close(rp.sym);
        rp.sym = NULL;
    }
    if (!rp.sym) {
        rp.sym = sym_open_self();
        rp.sym_adds = adds;
    }
    return rp.sym;
}

#define REPORT_STACK_SIZE (1UL << 20)

/* Symbolizing, on the report stack (see prim_call_on_stack). */
struct lookup {
    uintptr_t pc;
    struct sym_frame *frames;
    int n;
};

static void lookup_here(void *arg)
{
    struct lookup *l = arg;
    struct wd_symbolizer *s = symbolizer();
    l->n = s && l->pc ? sym_lookup(s, l->pc, l->frames, SYM_MAX_INLINE) : 0;
}

static bool on_report_stack(void)
{
    uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
    return rp.stack && sp >= (uintptr_t)rp.stack && sp < (uintptr_t)rp.stack + REPORT_STACK_SIZE;
}

/* Runs fn(arg) on the report stack (under the report lock): the program's
 * thread may have a stack of 16 KiB, and libdw recurses deeply. */
static void on_stack(void (*fn)(void *), void *arg)
{
    if (!rp.stack)
        rp.stack = imem_alloc(REPORT_STACK_SIZE);
    if (rp.stack && !on_report_stack())
        prim_call_on_stack(fn, arg, rp.stack + REPORT_STACK_SIZE);
    else
        fn(arg);
}

static int lookup(uintptr_t pc, struct sym_frame *frames)
{
    struct lookup l = { pc, frames, 0 };
    on_stack(lookup_here, &l);
    if (l.n == 0) {
        memset(frames, 0, sizeof frames[0]);
        strcpy(frames[0].func, "??");
        l.n = 1;
    }
    return l.n;
}

void report_stack(fmt_t *f, uint32_t stack)
{
    const uintptr_t *pcs;
    unsigned n = stacks_get(stack, &pcs), idx = 0;
    struct sym_frame frames[SYM_MAX_INLINE];
    if (n == 0) {
        fmt_str(f, stack == STACK_FULL ? "    <stack not recorded: the stack table is full>\n"
                                       : "    <no stack recorded>\n");
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        int k = lookup(pcs[i], frames);
        for (int j = 0; j < k; j++)
            rt_frame(f, idx++, pcs[i], &frames[j]);
    }
}

/* The rule of kind that matches a frame of stack (function, source file
 * or module), counting the hit, or -1. Under the report lock. */
int report_suppressing_rule(unsigned kind, uint32_t stack, uint64_t bytes)
{
    unsigned rules[SUPP_MAX];
    const uintptr_t *pcs;
    struct sym_frame frames[SYM_MAX_INLINE];
    if (!supp_any())
        return -1;
    unsigned nr = supp_rules_of(rt_kind_name(kind), rules, SUPP_MAX);
    unsigned n = nr ? stacks_get(stack, &pcs) : 0;
    for (unsigned i = 0; i < n; i++) {
        int k = lookup(pcs[i], frames);
        for (int j = 0; j < k; j++)
            for (unsigned r = 0; r < nr; r++)
                if (supp_matches(rules[r], frames[j].func) ||
                    supp_matches(rules[r], frames[j].file) ||
                    supp_matches(rules[r], frames[j].module)) {
                    supp_hit(rules[r], bytes);
                    return (int)rules[r];
                }
    }
    return -1;
}


void report_suppressions_used(void)
{
    char prefix[48];
    fmt_t p;
    if (!supp_any())
        return;
    fmt_init(&p, prefix, sizeof prefix, -1);
    report_prefix(&p);
    fmt_t *f = report_open();
    supp_print_used(f, fmt_cstr(&p));
    report_close(f);
}

struct rt_ctx report_rt_ctx(uint32_t ctx)
{
    struct ctx_pair p = ctx_get(ctx);
    struct rt_ctx c = { 0 };
    if (p.thread == UINT32_MAX)
        return c;
    c.known = true;
    c.thread = p.thread;
    c.thread_name = threads_name_of(p.thread);
    c.coro = p.coro;
    c.coro_name = coro_name_of(p.coro);
    return c;
}

void report_ctx(fmt_t *f, uint32_t ctx)
{
    struct rt_ctx c = report_rt_ctx(ctx);
    rt_ctx_text(f, &c);
}

/* Whether the block was freed before the operation being reported (not
 * by it: damage found while freeing a block is about the live block). A
 * double free always follows a free, also one made by the same call (a
 * loop, or every stack once the stack table is full). */
static bool freed_before(const struct wd_err *e)
{
    const struct wd_meta *m = e->blk->m;
    if (e->kind == WK_DOUBLE_FREE)
        return true;
    return m->state != BS_LIVE && !(m->free_stack == e->op_stack && m->free_ctx == e->op_ctx);
}

/* Where an address that is no block lies. */
static void describe_other(fmt_t *f, uintptr_t a)
{
    uint32_t n = threads_count();
    fmt_hex(f, a);
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (t && a >= t->stack_lo && a < t->stack_hi) {
            struct rt_ctx c = { .known = true, .thread = t->id, .thread_name = t->name };
            fmt_str(f, " is on the stack of ");
            rt_ctx_text(f, &c);
            return;
        }
    }
    uint32_t coro = coro_holding(a);
    if (coro) {
        fmt_str(f, " is on the stack of ");
        coro_describe(f, coro);
        return;
    }
    struct sym_frame unused[SYM_MAX_INLINE];
    if (!rp.sym)
        lookup(0, unused);              /* opens the symbolizer, on the report stack */
    const struct sym_module *m = rp.sym ? sym_module_of(rp.sym, a) : NULL;
    if (m) {
        fmt_str(f, " is in the static memory of ");
        fmt_str(f, m->path);
        return;
    }
    fmt_str(f, " was never returned by an allocation function");
}

/* The slot of this error among those seen (same kind, stack and
 * allocation site), or -1; *known says whether it was there before. */
static int seen_slot(const struct wd_err *e, bool *known)
{
    uint64_t key = (uint64_t)e->kind << 56 ^ (uint64_t)e->op_stack << 24 ^
                   (e->blk ? e->blk->m->alloc_stack : 0);
    *known = false;
    if (e->op_stack < 2)
        return -1;
    for (unsigned i = (unsigned)(key % DEDUP), k = 0; k < DEDUP; k++, i = (i + 1) % DEDUP) {
        if (rp.seen[i] == key + 1) {
            *known = true;
            return (int)i;
        }
        if (rp.seen[i] == 0) {
            rp.seen[i] = key + 1;
            return (int)i;
        }
    }
    return -1;
}

static void print_stack(void *arg, fmt_t *f, uint32_t stack)
{
    (void)arg;
    report_stack(f, stack);
}

static bool top_frame(void *arg, uint32_t stack, struct sym_frame *frame)
{
    const uintptr_t *pcs;
    struct sym_frame frames[SYM_MAX_INLINE];
    (void)arg;
    if (!stacks_get(stack, &pcs))
        return false;
    lookup(pcs[0], frames);
    *frame = frames[0];
    return true;
}

void report_write(fmt_t *f, const struct rt_report *r)
{
    char prefix[48];
    fmt_t p;
    fmt_init(&p, prefix, sizeof prefix, -1);
    report_prefix(&p);
    struct rt_out out = { f, fmt_cstr(&p), print_stack, top_frame, NULL };
    if (trace_on)
        trace_error(r);
    rt_print(&out, r);
}

struct error_call {
    const struct wd_err *e;
    fmt_t *f;
    bool die;
};

/* The report of an error, written on the report stack with the lock held. */
static void error_here(void *arg)
{
    struct error_call *c = arg;
    const struct wd_err *e = c->e;
    fmt_t *f = c->f;
    char where[512];
    fmt_t w;
    bool known;
    int slot = seen_slot(e, &known);
    bool quiet = slot >= 0 && rp.seen_quiet[slot];
    if (known && !(quiet && e->fatal)) {
        /* Reported, or suppressed, once already: counted as the first was. */
        if (quiet)
            supp_hit(rp.seen_rule[slot], 0);
        else if (!e->warning)
            report_count_error();
        return;
    }
    int rule = e->fatal ? -1 : report_suppressing_rule(e->kind, e->op_stack, 0);
    if (rule >= 0) {
        if (slot >= 0) {
            rp.seen_quiet[slot] = true;
            rp.seen_rule[slot] = (uint16_t)rule;
        }
        return;
    }
    const struct wd_block *b = e->blk && e->blk->m->state != BS_FREE ? e->blk : NULL;
    bool freed = b && freed_before(e);
    fmt_init(&w, where, sizeof where, -1);
    if (b)
        rt_where_block(&w, e->addr, blk_user(b), blk_size(b), owners_name(b->m->owner),
                       b->m->flags & BF_PINNED, freed);
    else
        describe_other(&w, e->addr);
    struct rt_report r = {
        .kind = e->kind, .warning = e->warning, .addr = e->addr, .op = e->op,
        .op_ctx = report_rt_ctx(e->op_ctx), .op_stack = e->op_stack, .where = fmt_cstr(&w),
        .note = e->note, .note_stack = e->note_stack,
        .alloc_stack = b ? b->m->alloc_stack : 0,
        .alloc_ctx = b ? report_rt_ctx(b->m->alloc_ctx) : (struct rt_ctx){ 0 },
        .also = e->also, .also_stack = e->also_stack,
        .free_stack = freed ? b->m->free_stack : 0,
        .free_ctx = freed ? report_rt_ctx(b->m->free_ctx) : (struct rt_ctx){ 0 },
        .block = b ? blk_user(b) : 0, .size = b ? blk_size(b) : 0,
        .owner = b ? b->m->owner : 0,
    };
    report_write(f, &r);
    if (!e->warning)
        report_count_error();
    c->die = !e->warning && wd_opt.halt_on_error;
}

void report_error(const struct wd_err *e)
{
    struct error_call c = { e, report_open(), false };
    on_stack(error_here, &c);
    report_close(c.f);
    if (c.die)
        report_die();
}

void report_warning_once(const char *msg)
{
    fmt_t *f = report_open();
    for (unsigned i = 0; i < rp.nwarned; i++)
        if (rp.warned[i] == msg) {
            report_close(f);
            return;
        }
    if (rp.nwarned < WD_ARRAY_LEN(rp.warned))
        rp.warned[rp.nwarned++] = msg;
    report_prefix(f);
    fmt_str(f, "WARNING: ");
    fmt_str(f, msg);
    fmt_str(f, "\n");
    report_close(f);
}

void report_message(const char *msg)
{
    char buf[2048];
    fmt_t f;
    fmt_init(&f, buf, sizeof buf, stderr_fd());
    report_prefix(&f);
    /* Messages that already say "ward:" keep a single prefix. */
    if (strncmp(msg, "ward: ", 6) == 0)
        msg += 6;
    fmt_str(&f, msg);
    fmt_str(&f, "\n");
    fmt_flush(&f);
}

void report_count_error(void)
{
    rp.errors_pid = prim_getpid();
    atomic_fetch_add(&rp.errors, 1);
}

/* A vfork child shares the parent's memory but not its errors. */
unsigned long report_error_count(void)
{
    unsigned long n = atomic_load(&rp.errors);
    return n && rp.errors_pid == prim_getpid() ? n : 0;
}

void report_die(void)
{
    trace_crash_flush();
    prim_exit((int)wd_opt.exitcode);
}

void report_atfork_prepare(void) { prim_lock(&rp.lock); }
void report_atfork_parent(void)  { prim_unlock(&rp.lock); }

/* A child counts its own errors and writes its own log (%p names a new
 * file). */
void report_atfork_child(void)
{
    prim_lock_reset(&rp.lock);
    atomic_store(&rp.errors, 0);
    if (rp.err_is_pipe && rp.err_fd > 2) {
        if (prim_fd_is(rp.err_fd, &rp.err_id))
            prim_close(rp.err_fd);
        rp.err_fd = -1;
    }
    if (rp.fd > 2 && strstr(wd_opt.log_path, "%p")) {
        prim_close(rp.fd);
        rp.fd = 0;
    }
}
