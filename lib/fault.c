/* The SIGSEGV handler and its chaining (see fault.h). */
#define _GNU_SOURCE
#include "fault.h"
#include "core.h"
#include "coro.h"
#include "heap.h"
#include "imem.h"
#include "options.h"
#include "prim.h"
#include "report.h"
#include "stacks.h"
#include "threads.h"
#include "trace_write.h"

#include <errno.h>
#include <setjmp.h>
#include <string.h>
#include <ucontext.h>

#define ALTSTACK_SIZE (256UL << 10)     /* symbolizing needs room */

/* glibc's own entry point, which ward's sigaction interposer does not
 * shadow. */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static struct {
    bool installed;
    struct sigaction program;       /* what the program believes is installed */
    wd_lock lock;
} ft;

static WD_TLS void *altstack;

/* The block a fault at a belongs to, if ward owns the page: the block in
 * that slot, or for an empty slot the nearest neighbour's block. */
static bool owning_block(uintptr_t a, struct wd_block *b)
{
    struct wd_block n;
    if (!arena_contains((void *)a) || !heap_find((void *)a, b) || b->seg->kind == SEG_SMALL)
        return false;
    if (b->m->state != BS_FREE)
        return true;
    if (b->slot > b->seg->slot_base && heap_find((void *)(b->slot - 1), &n) &&
        n.m->state != BS_FREE) {
        *b = n;
        return true;
    }
    if (heap_find((void *)(b->slot + b->slot_size), &n) && n.seg->kind != SEG_SMALL &&
        n.m->state != BS_FREE) {
        *b = n;
        return true;
    }
    return false;
}

static bool report_fault(uintptr_t a, ucontext_t *uc)
{
    struct wd_block b;
    if (coro_fault(a, uc))
        return true;
    if (!owning_block(a, &b))
        return false;
    uintptr_t user = blk_user(&b);
    uint64_t size = blk_size(&b);
    bool write = uc->uc_mcontext.gregs[REG_ERR] & 2;
    struct wd_err e = { .addr = a, .op = write ? "write" : "read", .blk = &b,
                        .op_ctx = wd_tls.ctx, .fatal = true };
    if (a >= user && a < user + size)
        e.kind = WK_USE_AFTER_FREE;
    else
        e.kind = a < user ? WK_UNDERFLOW : WK_OVERFLOW;
    if (b.m->state == BS_LIVE && e.kind == WK_USE_AFTER_FREE)
        return false;               /* accessible memory cannot fault */
    wd_tls.in_ward++;
    /* The faulting coroutine may have been entered by a switch ward did
     * not see. */
    coro_sync_fault((uintptr_t)uc->uc_mcontext.gregs[REG_RSP]);
    e.op_ctx = wd_tls.ctx;
    char note[512];
    fmt_t f;
    fmt_init(&f, note, sizeof note, -1);
    if (b.m->state == BS_QUAR) {
        e.note_stack = core_explain_free(&f, &b, true);
        if (f.len > 1)
            e.note = fmt_cstr(&f) + 1;          /* past its leading newline */
    }
    e.op_stack = stacks_capture_context(uc);
    report_error(&e);
    report_die();
}

/* Does for the program's handler what the kernel would have done. */
static void chain(int sig, siginfo_t *si, void *uc)
{
    struct sigaction a = ft.program;
    if (a.sa_handler == SIG_IGN && si->si_code <= 0)
        return;                         /* sent, not a fault: ignored */
    if (a.sa_handler == SIG_DFL || a.sa_handler == SIG_IGN) {
        /* The kernel forces the default action for a fault. Restore it: a
         * faulting instruction faults again on return; a signal sent by
         * someone is raised again. The process dies: keep its trace. */
        trace_crash_flush();
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        __sigaction(sig, &dfl, NULL);
        if (si->si_code <= 0)
            raise(sig);
        return;
    }
    /* The mask the kernel would have set: the interrupted code's, the
     * handler's, and the signal unless SA_NODEFER (a handler that longjmps
     * out then leaves SIGSEGV as it would without ward). */
    sigset_t mask = ((ucontext_t *)uc)->uc_sigmask, old;
    for (int s = 1; s < NSIG; s++)
        if (sigismember(&a.sa_mask, s) == 1)
            sigaddset(&mask, s);
    if (a.sa_flags & SA_NODEFER)
        sigdelset(&mask, sig);
    else
        sigaddset(&mask, sig);
    if (a.sa_flags & SA_RESETHAND)
        ft.program.sa_handler = SIG_DFL;
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    if (a.sa_flags & SA_SIGINFO)
        a.sa_sigaction(sig, si, uc);
    else
        a.sa_handler(sig);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* The linker's bounds of the WD_PROBED code. */
extern const char __start_ward_probed[] __attribute__((visibility("hidden")));
extern const char __stop_ward_probed[] __attribute__((visibility("hidden")));

static bool in_probed_code(const ucontext_t *uc)
{
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    return pc >= (uintptr_t)__start_ward_probed && pc < (uintptr_t)__stop_ward_probed;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    int saved_errno = errno;
    if (wd_tls.probe && in_probed_code(ucv)) {
        /* ward read memory another thread unmapped meanwhile (see
         * leaks.c), or a stack whose mapping changed (unwind.c): go back
         * and skip it. A fault of a signal handler that interrupted the
         * read is the program's. */
        sigjmp_buf *env = wd_tls.probe;
        wd_tls.probe = NULL;
        siglongjmp(*env, 1);
    }
    if (report_in_progress()) {
        /* ward faulted while reporting: say so, and let it crash. */
        static const char msg[] = "ward: internal error: fault while writing a report\n";
        prim_write_all(2, msg, sizeof msg - 1);
        ft.program.sa_handler = SIG_DFL;
        ft.program.sa_flags = 0;
    }
    if (wd_state == WD_ACTIVE && si->si_code > 0 && report_fault((uintptr_t)si->si_addr, ucv))
        return;
    chain(sig, si, ucv);
    errno = saved_errno;
}

void fault_init(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ft.installed = __sigaction(SIGSEGV, &sa, &ft.program) == 0;
    fault_thread_start();
}

bool fault_installed(void)
{
    return ft.installed;
}

int fault_program_action(const struct sigaction *act, struct sigaction *old)
{
    prim_lock(&ft.lock);
    if (old)
        *old = ft.program;
    if (act)
        ft.program = *act;
    prim_unlock(&ft.lock);
    return 0;
}

/* Signals whose default action ends the process. While a trace is
 * written, the ones the program leaves at their default get a handler that
 * writes what is buffered, then dies of the signal as it would have. */
static const int fatal[] = { SIGABRT, SIGBUS, SIGFPE, SIGHUP, SIGILL, SIGINT, SIGQUIT,
                             SIGSYS, SIGTERM, SIGTRAP, SIGXCPU, SIGXFSZ, SIGUSR1, SIGUSR2 };

static void on_fatal(int sig)
{
    struct sigaction dfl;
    trace_crash_flush();
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    __sigaction(sig, &dfl, NULL);
    raise(sig);
}

bool fault_is_own_handler(const struct sigaction *a)
{
    return !(a->sa_flags & SA_SIGINFO) && a->sa_handler == on_fatal;
}

void fault_trace_signals(void)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(fatal); i++) {
        struct sigaction old, sa;
        if (__sigaction(fatal[i], NULL, &old) != 0 || old.sa_handler != SIG_DFL ||
            (old.sa_flags & SA_SIGINFO))
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal;
        sa.sa_flags = SA_ONSTACK | SA_RESETHAND;
        sigfillset(&sa.sa_mask);
        __sigaction(fatal[i], &sa, NULL);
    }
}

void fault_thread_start(void)
{
    stack_t ss, cur;
    if (sigaltstack(NULL, &cur) == 0 && !(cur.ss_flags & SS_DISABLE))
        return;                     /* the program has its own */
    altstack = imem_alloc(ALTSTACK_SIZE);
    if (!altstack)
        return;
    ss.ss_sp = altstack;
    ss.ss_size = ALTSTACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        imem_free(altstack, ALTSTACK_SIZE);
        altstack = NULL;
    }
}

void fault_thread_end(void)
{
    stack_t ss, cur;
    if (!altstack || sigaltstack(NULL, &cur) != 0 || cur.ss_sp != altstack)
        return;
    ss.ss_sp = NULL;
    ss.ss_size = 0;
    ss.ss_flags = SS_DISABLE;
    if (sigaltstack(&ss, NULL) == 0) {
        imem_free(altstack, ALTSTACK_SIZE);
        altstack = NULL;
    }
}
