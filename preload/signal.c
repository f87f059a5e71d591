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

WD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    static sighandler_t (*real)(int, sighandler_t);
    struct sigaction act, old;
    if (!ours(sig)) {
        /* glibc's, which keeps what siginterrupt() asked for. */
        if (!real)
            real = (sighandler_t (*)(int, sighandler_t))preload_next("signal");
        sighandler_t was = real(sig, handler);
        memset(&old, 0, sizeof old);
        old.sa_handler = was;
        return was != SIG_ERR && fault_is_own_handler(&old) ? SIG_DFL : was;
    }
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = SA_RESTART;          /* BSD semantics, as glibc's signal() */
    sigemptyset(&act.sa_mask);
    fault_program_action(&act, &old);
    return old.sa_handler;
}
