/* sigaction and signal, interposed for SIGSEGV only: ward's fault handler
 * stays installed, and what the program sets becomes the handler ward
 * passes its faults to (see lib/fault.c). The program reads back what it
 * set, as if ward were not there. */
#define _GNU_SOURCE
#include "core.h"
#include "fault.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

static bool ours(int sig)
{
    return sig == SIGSEGV && wd_state == WD_ACTIVE && fault_installed();
}

WD_EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
    if (!ours(sig))
        return __sigaction(sig, act, old);
    return fault_program_action(act, old);
}

WD_EXPORT sighandler_t signal(int sig, sighandler_t handler)
{
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = handler;
    act.sa_flags = SA_RESTART;          /* BSD semantics, as glibc's signal() */
    sigemptyset(&act.sa_mask);
    if (!ours(sig)) {
        if (__sigaction(sig, &act, &old) < 0)
            return SIG_ERR;
        return old.sa_handler;
    }
    fault_program_action(&act, &old);
    return old.sa_handler;
}
