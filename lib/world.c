/* Stop-the-world with a real-time signal (see world.h). */
#define _GNU_SOURCE
#include "world.h"
#include "prim.h"
#include "threads.h"

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WAIT_NS 500000000L      /* for threads to park */

static _Atomic int stopped;
static _Atomic int stopper;         /* 1 while a thread stops the world */
static int stop_round;              /* which stop a thread was signalled for */
static struct sigaction saved;      /* the program's handler, if any */
static bool installed;

static int park_signal(void)
{
    return SIGRTMAX - 2;
}

/* Parks the calling thread until the world resumes, its registers spilled
 * on its stack below sp. */
static void stop_all(void);

static void wait_for_resume(struct wd_thread *t)
{
    atomic_store(&t->parked, 1);
    prim_futex_wake((int *)&t->parked);
    while (atomic_load(&stopped))
        prim_futex_wait((int *)&stopped, 1, 0);
    atomic_store(&t->parked, 0);
}

static __attribute__((noinline)) void park_now(void)
{
    struct wd_thread *t = wd_tls.self;
    int saved_errno = errno;
    if (t && atomic_load(&stopped)) {
        __builtin_unwind_init();
        memset(t->regs, 0, sizeof t->regs);
        t->sp = (uintptr_t)__builtin_frame_address(0);
        wait_for_resume(t);
    }
    errno = saved_errno;
}

static void park(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    struct wd_thread *t = wd_tls.self;
    int saved_errno = errno;
    if (!atomic_load(&stopped)) {
        /* Late delivery, or the program's own use of this signal. */
        if ((saved.sa_flags & SA_SIGINFO) && saved.sa_sigaction)
            saved.sa_sigaction(sig, si, ucv);
        else if (saved.sa_handler != SIG_DFL && saved.sa_handler != SIG_IGN)
            saved.sa_handler(sig);
        return;
    }
    if (!t)
        return;
    if (prim_holds_locks()) {
        prim_park_later();          /* parks when it lets go of the last lock */
        return;
    }
    memcpy(t->regs, uc->uc_mcontext.gregs, sizeof t->regs);
    t->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - 128;   /* and its red zone */
    wait_for_resume(t);
    errno = saved_errno;
}

/* One stopper at a time: two would each park in the other's signal. A
 * thread waiting here is itself parked by the stopper's signal. */
static void become_stopper(void)
{
    int free_ = 0;
    while (!atomic_compare_exchange_weak(&stopper, &free_, 1)) {
        prim_futex_wait((int *)&stopper, 1, 10000000L);
        free_ = 0;
    }
}

bool world_try_stop(void)
{
    int free_ = 0;
    if (!atomic_compare_exchange_strong(&stopper, &free_, 1))
        return false;
    stop_all();
    return true;
}

void world_stop(void)
{
    become_stopper();
    stop_all();
}

static void stop_all(void)
{
    struct sigaction sa;
    uint32_t n;
    memset(&sa, 0, sizeof sa);
    stop_round++;
    sa.sa_sigaction = park;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    /* The handler stays installed: a thread with the signal blocked may
     * take it long after the scan, and must not die of it. */
    if (!installed) {
        installed = sigaction(park_signal(), &sa, &saved) == 0;
        prim_park_hook = park_now;
    }
    atomic_store(&stopped, 1);
    /* Threads that start meanwhile park themselves (world_check_in); one
     * made by a thread just before it parked is signalled on a later
     * pass, once it has a tid. */
    uint64_t deadline = prim_now_ns() + WAIT_NS;   /* for all of them together */
    struct wd_thread *waiting;
    do {
        waiting = NULL;
        n = threads_count();
        for (uint32_t i = 0; i < n; i++) {
            struct wd_thread *t = threads_get(i);
            if (!t || t == wd_tls.self || !atomic_load(&t->alive) || atomic_load(&t->parked))
                continue;
            if (t->tid > 0 && t->stop_signalled != stop_round) {
                t->stop_signalled = stop_round;
                syscall(SYS_tgkill, prim_getpid(), t->tid, park_signal());
            }
            if (!waiting)
                waiting = t;
        }
        if (waiting)                /* woken when it parks; 2 ms at most */
            prim_futex_wait((int *)&waiting->parked, 0, 2000000L);
    } while (waiting && prim_now_ns() < deadline);
}

void world_check_in(void)
{
    if (atomic_load(&stopped))
        park_now();
}

/* A child may be made while another thread stops the world: the stop is
 * the parent's. */
void world_atfork_child(void)
{
    atomic_store(&stopped, 0);
    atomic_store(&stopper, 0);
}

void world_resume(void)
{
    atomic_store(&stopped, 0);
    prim_futex_wake((int *)&stopped);
    atomic_store(&stopper, 0);
    prim_futex_wake((int *)&stopper);
}
