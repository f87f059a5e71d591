/* A program with its own SIGSEGV handler, which ward must call for faults
 * that are not ward's, and whose settings it must read back unchanged.
 * argv[1]: handler (the default), default (no handler), nodefer (a
 * handler with SA_NODEFER that longjmps out, three times), ignored
 * (SIG_IGN, then a SIGSEGV sent with kill), interrupt (siginterrupt on
 * SIGALRM: a read is interrupted, not restarted), alloc-in-handler (the
 * handler allocates a block that leaks, then longjmps out), sigset and
 * sysv_signal (the handler set those older ways, read back and called). */
#define _GNU_SOURCE                     /* sysv_signal */
#define _XOPEN_SOURCE 700               /* sigset */
#include <errno.h>
#include <setjmp.h>
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

static sigjmp_buf back_from_fault;

static void jump_back(int sig)
{
    (void)sig;
    longjmp(back_from_fault, 1);
}

static void nothing(int sig)
{
    (void)sig;
}

static void *volatile lost;

static void plain_handler(int sig)
{
    (void)sig;
    static const char msg[] = "plain handler called\n";
    write(1, msg, sizeof msg - 1);
    _exit(3);
}

static void allocate_and_jump(int sig)
{
    (void)sig;
    lost = malloc(17);
    lost = NULL;
    siglongjmp(back_from_fault, 1);
}

__attribute__((noinline)) static int fault_here(volatile int *p)
{
    return *p;                          /* the faulting line */
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "handler";
    if (!strcmp(mode, "nodefer")) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = jump_back;
        sa.sa_flags = SA_NODEFER;
        sigaction(SIGSEGV, &sa, NULL);
        for (int i = 0; i < 3; i++)
            if (setjmp(back_from_fault) == 0)
                *(volatile int *)16 = 1;
            else
                printf("caught %d\n", i);
        return 0;
    }
    if (!strcmp(mode, "sigset") || !strcmp(mode, "sysv_signal")) {
        if (!strcmp(mode, "sigset"))
            sigset(SIGSEGV, plain_handler);
        else
            sysv_signal(SIGSEGV, plain_handler);
        struct sigaction back;
        sigaction(SIGSEGV, NULL, &back);
        if (back.sa_handler != plain_handler) {
            printf("sigaction read back something else\n");
            return 1;
        }
        return fault_here(NULL);
    }
    if (!strcmp(mode, "alloc-in-handler")) {
        signal(SIGSEGV, allocate_and_jump);
        if (sigsetjmp(back_from_fault, 1) == 0)
            return fault_here(NULL);
        return 0;
    }
    if (!strcmp(mode, "ignored")) {
        signal(SIGSEGV, SIG_IGN);
        kill(getpid(), SIGSEGV);
        printf("survived\n");
        return 0;
    }
    if (!strcmp(mode, "interrupt")) {
        int fds[2];
        char c;
        if (pipe(fds) != 0)
            return 1;
        siginterrupt(SIGALRM, 1);
        signal(SIGALRM, nothing);
        alarm(1);
        ssize_t n = read(fds[0], &c, 1);
        printf("read %zd, %s\n", n, n < 0 && errno == EINTR ? "interrupted" : "restarted?");
        return 0;
    }
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
