/* Stop-the-world with a real-time signal (see world.h). */
#define _GNU_SOURCE
#include "world.h"
#include "fmt.h"
#include "prim.h"
#include "threads.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/uio.h>
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

/* Reads /proc/self/task/TID/NAME into buf; its length, or -1 if the
 * thread is gone. */
static ssize_t read_task_file(pid_t tid, const char *name, char *buf, size_t size)
{
    char path[64];
    fmt_t f;
    fmt_init(&f, path, sizeof path, -1);
    fmt_str(&f, "/proc/self/task/");
    fmt_u64(&f, (uint64_t)tid);
    fmt_char(&f, '/');
    fmt_str(&f, name);
    int fd = open(fmt_cstr(&f), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    close(fd);
    buf[n > 0 ? n : 0] = '\0';
    return n > 0 ? n : 0;
}

static uint64_t hex(const char *p)
{
    uint64_t v = 0;
    if (p[0] == '0' && p[1] == 'x')
        p += 2;
    for (; (*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f'); p++)
        v = v << 4 | (uint64_t)(*p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10);
    return v;
}

/* Whether thread tid can take the park signal: it still runs (a main
 * thread that called pthread_exit stays a zombie until the process ends,
 * and would be waited for in vain), and will not take the signal as its
 * own by waiting for it in sigwait (which unblocks what it waits for, so
 * only its system call's arguments tell). Such a thread is scanned where
 * it is. A thread that merely blocks the signal is waited for: a thread
 * just made runs with every signal blocked until it has set itself up,
 * and scanned half-made its thread-local data would look leaked. */
static bool can_park(pid_t tid)
{
    char buf[4096];
    uint64_t bit = 1ull << (park_signal() - 1);
    if (read_task_file(tid, "status", buf, sizeof buf) < 0)
        return false;                   /* gone */
    const char *state = strstr(buf, "\nState:\t");
    if (state && (state[8] == 'Z' || state[8] == 'X'))
        return false;
    if (!state || state[8] != 'S')
        return true;                    /* not asleep: not in sigwait */
    if (read_task_file(tid, "syscall", buf, sizeof buf) > 0 &&
        strtol(buf, NULL, 10) == SYS_rt_sigtimedwait) {
        /* The set it waits on, read so that memory gone meanwhile (the
         * call returned, its frame reused) is an error, not a fault. */
        const char *arg0 = strchr(buf, ' ');
        uint64_t set = 0;
        struct iovec local = { &set, sizeof set }, remote = { NULL, sizeof set };
        remote.iov_base = arg0 ? (void *)hex(arg0 + 1) : NULL;
        if (remote.iov_base &&
            process_vm_readv(prim_getpid(), &local, 1, &remote, 1, 0) == sizeof set &&
            (set & bit))
            return false;
    }
    return true;
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
        for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
            struct wd_thread *t = threads_get(i);
            if (!t || t == wd_tls.self || !atomic_load(&t->alive) || atomic_load(&t->parked))
                continue;
            /* A thread that blocked the signal for a moment may take it on
             * a later pass. */
            if (t->tid > 0 && (t->stop_signalled != stop_round || t->unparkable)) {
                t->stop_signalled = stop_round;
                t->unparkable = !can_park(t->tid);
                if (!t->unparkable)
                    syscall(SYS_tgkill, prim_getpid(), t->tid, park_signal());
            }
            if (t->tid > 0 && t->unparkable)
                continue;
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

void world_resume_threads(void)
{
    atomic_store(&stopped, 0);
    prim_futex_wake((int *)&stopped);
}

void world_release(void)
{
    atomic_store(&stopper, 0);
    prim_futex_wake((int *)&stopper);
}

void world_resume(void)
{
    world_resume_threads();
    world_release();
}
