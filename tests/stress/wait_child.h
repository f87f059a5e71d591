/* Waiting for a child of a stress program without hanging the run: a
 * child stuck under ward (a deadlock is what these programs look for) is
 * killed after 20 s. */
#ifndef STRESS_WAIT_CHILD_H
#define STRESS_WAIT_CHILD_H

#include <errno.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Waits for pid and fills *status. Returns 0 when it ended, 1 when it hung
 * and was killed (and reaped), -1 when waitpid failed (errno says why). */
static int wait_child_bounded(pid_t pid, int *status)
{
    *status = 0;
    for (int waited = 0;; waited++) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
        if (waited > 20000) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            return 1;
        }
        usleep(1000);
    }
}

#endif
