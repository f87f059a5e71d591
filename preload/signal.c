/* sigaction and signal, interposed for SIGSEGV: ward's fault handler
 * stays installed, and what the program sets becomes the handler ward
 * passes its faults to (see lib/fault.c). The program reads back what it
 * set, as if ward were not there. Other signals go to glibc, except that
 * the handler ward puts on fatal signals while tracing reads back as
 * SIG_DFL: a program (Python) that installs its own only over the default
 * must still do so. */
#define _GNU_SOURCE
#include "core.h"
#include "fault.h"

#include "next.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static bool ours(int sig)
{
    return sig == SIGSEGV && wd_state == WD_ACTIVE && fault_installed();
}

static void as_default(struct sigaction *a)
{
    memset(a, 0, sizeof *a);
    a->sa_handler = SIG_DFL;
}

WD_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (ours(sig))
        return fault_program_action(act, old);
    int rc = __sigaction(sig, act, old);
    if (rc == 0 && old && fault_is_own_handler(old))
        as_default(old);
    return rc;
}

/* SIGSEGV's handler in the program's view, set as signal() and its kin do. */
static sighandler_t set_segv(sighandler_t handler, int flags)
{
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = flags;
    sigemptyset(&act.sa_mask);
    fault_program_action(&act, &old);
    return old.sa_handler;
}

WD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    static sighandler_t (*real)(int, sighandler_t);
    struct sigaction old;
    if (!ours(sig)) {
        /* glibc's, which keeps what siginterrupt() asked for. */
        if (!real)
            real = (sighandler_t (*)(int, sighandler_t))preload_next("signal");
        sighandler_t was = real(sig, handler);
        memset(&old, 0, sizeof old);
        old.sa_handler = was;
        return was != SIG_ERR && fault_is_own_handler(&old) ? SIG_DFL : was;
    }
    return set_segv(handler, SA_RESTART);   /* BSD semantics, as glibc's signal() */
}

/* The older ways to set a handler, which glibc implements with its own
 * sigaction, past the interposer: on SIGSEGV they would replace ward's
 * handler. bsd_signal is signal; sysv_signal resets the handler when it
 * runs and does not block the signal nor restart calls; sigset unblocks
 * the signal, and with SIG_HOLD blocks it instead. */
WD_EXPORT sighandler_t bsd_signal(int sig, sighandler_t handler)
{
    return signal(sig, handler);
}

WD_EXPORT sighandler_t sysv_signal(int sig, sighandler_t handler)
{
    static sighandler_t (*real)(int, sighandler_t);
    if (ours(sig))
        return set_segv(handler, SA_RESETHAND | SA_NODEFER);
    if (!real)
        real = (sighandler_t (*)(int, sighandler_t))preload_next("sysv_signal");
    return real(sig, handler);
}

WD_EXPORT sighandler_t sigset(int sig, sighandler_t disp)
{
    static sighandler_t (*real)(int, sighandler_t);
    sigset_t one, was;
    if (!ours(sig)) {
        if (!real)
            real = (sighandler_t (*)(int, sighandler_t))preload_next("sigset");
        return real(sig, disp);
    }
    sigemptyset(&one);
    sigaddset(&one, sig);
    if (disp == SIG_HOLD) {
        struct sigaction cur;
        fault_program_action(NULL, &cur);
        if (pthread_sigmask(SIG_BLOCK, &one, &was) != 0)
            return SIG_ERR;
        return sigismember(&was, sig) ? SIG_HOLD : cur.sa_handler;
    }
    sighandler_t old = set_segv(disp, 0);
    if (pthread_sigmask(SIG_UNBLOCK, &one, &was) != 0)
        return SIG_ERR;
    return sigismember(&was, sig) ? SIG_HOLD : old;
}
