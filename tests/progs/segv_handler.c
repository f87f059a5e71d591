/* A program with its own SIGSEGV handler, which ward must call for faults
 * that are not ward's, and whose settings it must read back unchanged. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig; (void)uc;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "caught SIGSEGV at %p\n", si->si_addr);
    write(1, msg, (size_t)n);
    _exit(3);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "handler";
    if (!strcmp(mode, "handler")) {
        struct sigaction sa, back;
        memset(&sa, 0, sizeof sa);
        sa.sa_sigaction = on_segv;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGSEGV, NULL, &back);
        if (back.sa_sigaction != on_segv || !(back.sa_flags & SA_SIGINFO)) {
            printf("sigaction read back something else\n");
            return 1;
        }
        if (signal(SIGSEGV, SIG_DFL) != (void (*)(int))on_segv) {
            printf("signal returned something else\n");
            return 1;
        }
        sigaction(SIGSEGV, &sa, NULL);
    }
    volatile int *bad = (int *)16;
    return *bad;
}
