/* Starting and stopping ward: the lazy start from the first allocation,
 * the constructor that finishes it, fork handlers, and the exit-time
 * checks. */
#define _GNU_SOURCE
#include "core.h"
#include "coro.h"
#include "cxx.h"
#include "ctx.h"
#include "deps.h"
#include "fault.h"
#include "imem.h"
#include "leaks.h"
#include "options.h"
#include "owners.h"
#include "pins.h"
#include "prim.h"
#include "quarantine.h"
#include "report.h"
#include "stacks.h"
#include "suppress.h"
#include "symbols.h"
#include "threads.h"
#include "trace_write.h"
#include "unwind.h"
#include "world.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

extern char **environ;

static bool options_pending;     /* the first malloc came before environ */

static const char *find_env(const char *name)
{
    size_t n = strlen(name);
    for (char **e = environ; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static bool read_options(void)
{
    char err[1024];
    const char *s = find_env("WARD_OPTIONS");
    opt_defaults(&wd_opt);
    if ((s && opt_parse(&wd_opt, s, err, sizeof err) < 0) ||
        (wd_opt.suppressions[0] && !supp_load(wd_opt.suppressions, err, sizeof err))) {
        report_message(err);
        report_message("ward: not checking this process; fix WARD_OPTIONS "
                       "(see ward run --help)");
        return false;
    }
    return true;
}

/* A signal handler allocated while its thread was inside ward, and asks for
 * a lock that thread holds: waiting would hang the program for good. */
static void self_deadlock(void)
{
    static bool dying;              /* exiting needs locks too: once is enough */
    if (dying)
        prim_exit((int)wd_opt.exitcode);
    dying = true;
    report_message("ward: a signal handler called malloc or free while its thread was "
                   "inside ward holding a lock it needs again (the allocator is not "
                   "async-signal-safe); exiting rather than hanging. Allocate outside "
                   "the handler");
    report_die();
}

void core_init(void)
{
    static bool busy;
    if (wd_state != WD_UNINIT || busy)
        return;
    busy = true;
    opt_defaults(&wd_opt);
    /* Options from the environment are not trusted in setuid programs
     * (and the loader ignores LD_PRELOAD there anyway). */
    if (getauxval(AT_SECURE)) {
        wd_state = WD_INERT;
        return;
    }
    if (!imem_init() || !arena_init() || !heap_init() || !stacks_init() || !owners_init() ||
        !ctx_init() || !coro_init()) {
        report_message("ward: cannot reserve address space for its heap "
                       "(is it limited by ulimit -v?); not checking this process");
        wd_state = WD_INERT;
        return;
    }
    if (environ && !read_options()) {
        wd_state = WD_INERT;
        return;
    }
    options_pending = environ == NULL;
    const char *limit = find_env("WARD_TEST_IMEM_LIMIT");
    if (limit)
        imem_limit(strtoul(limit, NULL, 0));
    prim_self_deadlock_hook = self_deadlock;
    threads_init();
    struct wd_thread *t = threads_new(STACK_NONE);
    if (t)
        threads_adopt(t);
    wd_state = WD_ACTIVE;
}

/* fork() may be called from a signal handler that interrupted ward while it
 * held a lock (POSIX allows it, glibc supports it): taking the locks would
 * then wait forever. The child resets them all anyway. */
static bool fork_unlocked;

static void fork_prepare(void)
{
    fork_unlocked = prim_holds_locks();
    if (fork_unlocked)
        return;
    core_atfork_prepare();
    cxx_atfork_prepare();
    report_atfork_prepare();
    quarantine_atfork_prepare();
    threads_atfork_prepare();
    coro_atfork_prepare();
    ctx_atfork_prepare();
    owners_atfork_prepare();
    stacks_atfork_prepare();
    pins_atfork_prepare();
    heap_atfork_prepare();
    arena_atfork_prepare();
    uw_atfork_prepare();            /* its table grows from internal memory */
    imem_atfork_prepare();
    sym_atfork_prepare();
}

static void fork_parent(void)
{
    if (fork_unlocked)
        return;
    sym_atfork_parent();
    imem_atfork_parent();
    uw_atfork_parent();
    arena_atfork_parent();
    heap_atfork_parent();
    pins_atfork_parent();
    stacks_atfork_parent();
    owners_atfork_parent();
    ctx_atfork_parent();
    coro_atfork_parent();
    threads_atfork_parent();
    quarantine_atfork_parent();
    report_atfork_parent();
    cxx_atfork_parent();
    core_atfork_parent();
}

static void fork_child(void)
{
    /* After a fork from a handler that interrupted ward, the interrupted
     * frames give their locks back themselves, counts included. */
    if (!fork_unlocked)
        prim_forget_locks();
    world_atfork_child();
    sym_atfork_child();
    imem_atfork_child();
    uw_atfork_child();
    arena_atfork_child();
    heap_atfork_child();
    pins_atfork_child();
    stacks_atfork_child();
    owners_atfork_child();
    ctx_atfork_child();
    coro_atfork_child();
    threads_atfork_child();
    quarantine_atfork_child();
    report_atfork_child();
    trace_atfork_child();
    cxx_atfork_child();
    core_atfork_child();
}

/* Every thread's unflushed owner counts: this thread's are flushed, the
 * others' (stopped) read. */
static void collect_owner_counts(void)
{
    uint32_t n = threads_count();
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (!t || !atomic_load(&t->alive))
            continue;
        if (t == wd_tls.self)
            owners_flush(&t->ocache);
        else
            owners_add_pending(&t->ocache);
    }
}

static void print_stats(void)
{
    fmt_t *f = report_open();
    report_prefix(f);
    fmt_str(f, "owners at exit:\n");
    owners_print_table(f);
    if (coro_count()) {
        report_prefix(f);
        fmt_str(f, "coroutines at exit:\n");
        coro_print_table(f);
    }
    report_close(f);
}

/* The exit-time checks: damaged redzones and poison, then leaks. */
static void exit_checks(void *sp)
{
    wd_tls.in_ward++;
    world_stop();
    core_check_all();
    if (wd_opt.leaks)
        leaks_scan(*(uintptr_t *)sp);
    if (wd_opt.stats)
        collect_owner_counts();
    trace_collect_all();
    world_resume();
    /* Only when there is something to report: the exit path's first frames
     * (crtstuff's, without unwind tables) need libunwind, whose cache costs
     * a quarter of a megabyte the first time. */
    if (core_found_count())
        core_report_found(stacks_capture(__builtin_return_address(0)));
    if (wd_opt.leaks)
        leaks_report();
    report_suppressions_used();
    if (wd_opt.stats)
        print_stats();
    trace_stop();
    wd_tls.in_ward--;
}

/* On a stack of ward's own: exit() may be called on a coroutine's. With
 * errors reported, the exit goes on with exitcode as its status: exit
 * called from an exit handler runs the handlers still to run and then
 * flushes stdio, and glibc keeps the last status. */
static void ward_exit(void *arg)
{
    (void)arg;
    if (wd_state != WD_ACTIVE)
        return;
    __builtin_unwind_init();
    uintptr_t sp = prim_live_sp();
    imem_run_on_stack(exit_checks, &sp);
    if (report_error_count())
        exit((int)wd_opt.exitcode);
}

extern int __cxa_atexit(void (*fn)(void *), void *arg, void *dso);
extern int __register_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void),
                             void *dso);

__attribute__((constructor(101))) static void ward_start(void)
{
    char err[512];
    core_init();
    if (wd_state != WD_ACTIVE)
        return;
    if (options_pending && !read_options()) {
        wd_state = WD_INERT;
        return;
    }
    wd_tls.in_ward++;
    report_keep_stderr();
    if (!deps_load_unwind(err, sizeof err)) {
        report_message(err);
        report_message("ward: install libunwind8; stacks will show only the "
                       "calling function");
    }
    fault_init();
    cxx_scan();                     /* the objects loaded at start */
    if (wd_opt.trace[0]) {
        if (trace_start(err, sizeof err))
            fault_trace_signals();
        else
            report_message(err);
    }
    /* With no library handle, as the exit handler below: pthread_atfork
     * ties handlers to ward, and glibc drops them when it finalises ward,
     * so a library finalised later that forks would give a child whose
     * exit ran ward's checks with the parent's state. */
    __register_atfork(fork_prepare, fork_parent, fork_child, NULL);
    /* Not atexit, which ties a handler to the library that registers it:
     * ward's would run when glibc finalises ward, before the libraries
     * after it in that order (libgfortran, whose destructor writes out a
     * Fortran program's output, which was lost). Registered before
     * __libc_start_main registers the destructors' runner, it runs after
     * every destructor. */
    __cxa_atexit(ward_exit, NULL, NULL);
    wd_tls.in_ward--;
}
