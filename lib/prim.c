/* System calls behind one small interface (see prim.h). */
#define _GNU_SOURCE
#include "prim.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

void *prim_reserve(size_t size, size_t align)
{
    /* Over-reserve, then trim, so the result is aligned without relying on
     * the kernel's placement. */
    size_t span = size + align;
    char *p = mmap(NULL, span, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t start = WD_ALIGN_UP((uintptr_t)p, align);
    size_t head = start - (uintptr_t)p;
    if (head)
        munmap(p, head);
    size_t tail = span - head - size;
    if (tail)
        munmap((char *)start + size, tail);
    return (void *)start;
}

/* A fresh mapping over the reservation, accounted like any other: the
 * kernel's overcommit policy refuses what it would refuse glibc. */
int prim_commit(void *addr, size_t size)
{
    void *p = mmap(addr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    return p == addr;
}

int prim_protect_none(void *addr, size_t size)
{
    return mprotect(addr, size, PROT_NONE) == 0;
}

int prim_protect_rw(void *addr, size_t size)
{
    return mprotect(addr, size, PROT_READ | PROT_WRITE) == 0;
}

int prim_discard(void *addr, size_t size)
{
    void *p = mmap(addr, size, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    return p == addr;
}

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#define MADV_GUARD_REMOVE  103
#endif

int prim_markers_space(void *addr, size_t size)
{
    void *p = mmap(addr, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (p != addr)
        return 0;
    if (madvise(addr, size, MADV_GUARD_INSTALL) == 0)
        return 1;
    prim_discard(addr, size);           /* an older kernel, or a locked heap */
    return 0;
}

int prim_mark(void *addr, size_t size)
{
    return madvise(addr, size, MADV_GUARD_INSTALL) == 0;
}

int prim_unmark(void *addr, size_t size)
{
    return madvise(addr, size, MADV_GUARD_REMOVE) == 0;
}

void *prim_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void prim_unmap(void *addr, size_t size)
{
    munmap(addr, size);
}

bool prim_sandboxed(void)
{
    return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) != 0;
}

long prim_max_map_count(void)
{
    char buf[32];
    long v = 0;
    int fd = open("/proc/sys/vm/max_map_count", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 65530;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
        v = v * 10 + (buf[i] - '0');
    return v > 0 ? v : 65530;
}

static int count_dl_changes(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    *(unsigned long long *)arg = info->dlpi_adds + info->dlpi_subs;
    return 1;
}

unsigned long long prim_dl_changes(void)
{
    unsigned long long n = 0;
    dl_iterate_phdr(count_dl_changes, &n);
    return n;
}

long prim_phys_pages(void)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0 || !si.mem_unit)
        return 0;
    return (long)((unsigned long long)si.totalram * si.mem_unit / WD_PAGE);
}

bool prim_swap_on(void)
{
    struct sysinfo si;
    return sysinfo(&si) != 0 || si.totalswap != 0;
}

unsigned prim_ncpu(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return CPU_SETSIZE;             /* more than a cpu_set_t holds */
    int n = CPU_COUNT(&set);
    return n > 0 ? (unsigned)n : 1;
}

ssize_t prim_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return (ssize_t)done;
}

int prim_fd_base(enum prim_fd_range range)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= 1064)
        return range == PRIM_FD_PIPES ? 1000 : 1016;
    if (rl.rlim_cur < 32)
        return 0;                   /* too few to set any apart */
    return (int)rl.rlim_cur - (range == PRIM_FD_PIPES ? 16 : 10);
}

int prim_fd_high(int fd, enum prim_fd_range range)
{
    int min = prim_fd_base(range);
    if (fd < 0 || !min || fd >= min)
        return fd;
    int hi = fcntl(fd, F_DUPFD_CLOEXEC, min);
    if (hi < 0)
        return fd;
    close(fd);
    return hi;
}

int prim_open_excl(const char *path)
{
    return prim_fd_high(open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600),
                        PRIM_FD_FILES);
}

bool prim_fd_is(int fd, const struct prim_file_id *id)
{
    struct stat st;
    return fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino;
}

bool prim_fd_id(int fd, struct prim_file_id *id)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return false;
    id->dev = st.st_dev;
    id->ino = st.st_ino;
    return true;
}

void prim_close(int fd)
{
    close(fd);
}

pid_t prim_getpid(void)
{
    return (pid_t)syscall(SYS_getpid);
}

pid_t prim_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

bool prim_thread_exists(pid_t tid)
{
    return tid > 0 && syscall(SYS_tgkill, getpid(), tid, 0) == 0;
}

bool prim_read_word(uintptr_t addr, uintptr_t *out)
{
    struct iovec local = { out, sizeof *out }, remote = { (void *)addr, sizeof *out };
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)sizeof *out;
}

uint64_t prim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void prim_exit(int code)
{
    syscall(SYS_exit_group, code);
    __builtin_unreachable();
}

/* Futex calls keep errno: they happen inside free(), which must not
 * change it. */
static long futex(int *addr, int op, int val, const struct timespec *ts)
{
    int saved = errno;
    long rc = syscall(SYS_futex, addr, op, val, ts, NULL, 0);
    errno = saved;
    return rc;
}

/* Locks this thread holds, so that stopping the world never parks a
 * thread in the middle of ward's own bookkeeping: the stopper would wait
 * for that lock forever. */
static WD_TLS int locks_held;
static WD_TLS bool park_pending;
void (*prim_park_hook)(void);

bool prim_holds_locks(void)
{
    return locks_held > 0;
}

void prim_hold(void)
{
    locks_held++;
}

void prim_release(void)
{
    if (--locks_held == 0 && park_pending) {
        park_pending = false;
        if (prim_park_hook)
            prim_park_hook();
    }
}

void prim_park_later(void)
{
    park_pending = true;
}

/* A lock names the thread holding it (the address of a thread-local,
 * unique among live threads): a signal handler that re-enters ward and asks
 * for a lock its own thread holds would wait for itself forever. Set after
 * the lock is taken and cleared before it is given back, so a lock never
 * names a thread that does not hold it. In between, the thread notes the
 * lock it is taking or giving back (`moving`), so that a handler that
 * interrupts it there is not left waiting either. Looked at only when a
 * lock is found taken. */
static WD_TLS char me;
static WD_TLS wd_lock *moving;
void (*prim_self_deadlock_hook)(void);

static void name_holder(wd_lock *l, uintptr_t who)
{
    atomic_store_explicit((_Atomic uintptr_t *)&l->owner, who, memory_order_relaxed);
}

static uintptr_t holder(wd_lock *l)
{
    return atomic_load_explicit((_Atomic uintptr_t *)&l->owner, memory_order_relaxed);
}

void prim_forget_locks(void)
{
    locks_held = 0;
    park_pending = false;
}

static void note_moving(wd_lock *l)
{
    atomic_signal_fence(memory_order_seq_cst);
    moving = l;
    atomic_signal_fence(memory_order_seq_cst);
}

/* state: 0 unlocked, 1 locked, 2 locked with waiters. */
void prim_lock(wd_lock *l)
{
    wd_lock *interrupted = moving;      /* what this thread was taking, if a
                                           handler interrupted it */
    int c = 0;
    locks_held++;
    note_moving(l);
    if (atomic_compare_exchange_strong_explicit((_Atomic int *)&l->state, &c, 1,
                                                memory_order_acquire,
                                                memory_order_relaxed)) {
        name_holder(l, (uintptr_t)&me);
        note_moving(interrupted);
        return;
    }
    /* The interrupted code was taking or giving back l: it is ours unless
     * another thread has taken it and named itself since. */
    uintptr_t who = holder(l);
    bool mine = who == (uintptr_t)&me || (interrupted == l && who == 0);
    if (mine && prim_self_deadlock_hook) {
        note_moving(interrupted);       /* the hook may jump out */
        prim_self_deadlock_hook();
    }
    if (c != 2)
        c = atomic_exchange_explicit((_Atomic int *)&l->state, 2, memory_order_acquire);
    while (c != 0) {
        note_moving(interrupted);       /* waiting is not taking */
        futex(&l->state, FUTEX_WAIT_PRIVATE, 2, NULL);
        note_moving(l);
        c = atomic_exchange_explicit((_Atomic int *)&l->state, 2, memory_order_acquire);
    }
    name_holder(l, (uintptr_t)&me);
    note_moving(interrupted);
}

bool prim_trylock(wd_lock *l)
{
    wd_lock *interrupted = moving;
    int c = 0;
    note_moving(l);
    bool ok = atomic_compare_exchange_strong_explicit((_Atomic int *)&l->state, &c, 1,
                                                      memory_order_acquire,
                                                      memory_order_relaxed);
    locks_held += ok;
    if (ok)
        name_holder(l, (uintptr_t)&me);
    note_moving(interrupted);
    return ok;
}

void prim_unlock(wd_lock *l)
{
    wd_lock *interrupted = moving;
    note_moving(l);
    name_holder(l, 0);
    atomic_signal_fence(memory_order_seq_cst);
    int was = atomic_exchange_explicit((_Atomic int *)&l->state, 0, memory_order_release);
    note_moving(interrupted);           /* given back: a waiter may have it now */
    if (was == 2)
        futex(&l->state, FUTEX_WAKE_PRIVATE, 1, NULL);
    prim_release();
}

void prim_futex_wait(int *addr, int expected, long timeout_ns)
{
    struct timespec ts = { timeout_ns / 1000000000L, timeout_ns % 1000000000L };
    futex(addr, FUTEX_WAIT_PRIVATE, expected, timeout_ns > 0 ? &ts : NULL);
}

void prim_futex_wake(int *addr)
{
    futex(addr, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL);
}

__asm__(".text\n"
        ".globl prim_call_on_stack\n"
        ".hidden prim_call_on_stack\n"
        ".type prim_call_on_stack, @function\n"
        "prim_call_on_stack:\n"
        "    .cfi_startproc\n"
        "    push %rbp\n"
        "    .cfi_def_cfa_offset 16\n"
        "    .cfi_offset %rbp, -16\n"
        "    mov %rsp, %rbp\n"
        "    .cfi_def_cfa_register %rbp\n"
        "    and $-16, %rdx\n"
        "    mov %rdx, %rsp\n"
        "    mov %rdi, %rax\n"
        "    mov %rsi, %rdi\n"
        "    call *%rax\n"
        "    mov %rbp, %rsp\n"
        "    pop %rbp\n"
        "    .cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size prim_call_on_stack, .-prim_call_on_stack\n");
