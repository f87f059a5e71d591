/* A signal handler that maps and unmaps a page, arriving every 20 us
 * while the main thread makes and runs coroutines (whose ends take ward's
 * coroutine lock): munmap is interposed, and must not wait for a lock
 * its own thread holds. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>
static ucontext_t m, c;
static volatile long nsig;
static void handler(int s)
{
    (void)s;
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(p, 4096);
    nsig++;
}
static void body(void) {}
int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 200000;
    /* one coroutine on an mmap'd stack, so that ward keeps its list */
    static char fstack[65536];
    getcontext(&c); c.uc_stack.ss_sp = fstack; c.uc_stack.ss_size = sizeof fstack; c.uc_link = &m;
    makecontext(&c, body, 0); swapcontext(&m, &c);
    signal(SIGALRM, handler);
    struct itimerval it = { { 0, 20 }, { 0, 20 } };
    setitimer(ITIMER_REAL, &it, NULL);
    char *stack = malloc(65536);
    for (long i = 0; i < n; i++) {
        getcontext(&c);
        c.uc_stack.ss_sp = stack; c.uc_stack.ss_size = 65536; c.uc_link = &m;
        makecontext(&c, body, 0);
        swapcontext(&m, &c);
    }
    printf("done, %ld signals\n", nsig);
    return 0;
}
