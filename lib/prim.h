/* The primitive layer: every system call ward makes (memory mappings,
 * writes, time, thread ids) and the one lock type, so the rest of the code
 * never depends on libc pieces that might allocate. */
#ifndef WARD_PRIM_H
#define WARD_PRIM_H

#include "common.h"
#include <sys/types.h>

/* Address space. prim_reserve returns inaccessible, uncommitted space;
 * prim_commit makes part of it read-write; prim_discard drops the pages
 * and makes them inaccessible again in one call, so a freed range costs
 * neither memory nor a separate mapping. All return 0 / NULL on failure. */
void *prim_reserve(size_t size, size_t align);
int   prim_commit(void *addr, size_t size);
int   prim_protect_none(void *addr, size_t size);
int   prim_protect_rw(void *addr, size_t size);     /* contents kept */
int   prim_discard(void *addr, size_t size);
void *prim_map(size_t size);               /* read-write, zeroed */

/* Guard markers (Linux 6.13, MADV_GUARD_INSTALL): a page made to fault in
 * the page table alone, inside one read-write mapping, so guarding a block
 * splits no mapping, counts nothing against vm.max_map_count and takes the
 * address-space lock only for reading. prim_markers_space maps size bytes
 * at addr read-write and marks them all (0 if the kernel cannot);
 * prim_mark drops a range's pages and marks it (0 if the kernel refuses,
 * as it does in locked memory: the range stays accessible), prim_unmark
 * makes it zero-filled memory again. */
int   prim_markers_space(void *addr, size_t size);
int   prim_mark(void *addr, size_t size);
int   prim_unmark(void *addr, size_t size);
void  prim_unmap(void *addr, size_t size);

/* The kernel's vm.max_map_count, read once; 65530 if unreadable. */
long  prim_max_map_count(void);
/* Whether a seccomp filter confines the process (or prctl is refused).
 * Such a filter may kill the process for a system call ward would make of
 * its own accord in the middle of the run (Docker's default allows them;
 * a sandboxed renderer's does not, and which is which cannot be asked). */
bool  prim_sandboxed(void);

/* Libraries loaded plus unloaded so far (the dynamic linker's counts): a
 * change says the set of loaded objects may have changed. */
unsigned long long prim_dl_changes(void);
/* Pages of physical memory (sysinfo); 0 if unknown. */
long  prim_phys_pages(void);
/* Whether the system has swap (or cannot say): a page not in memory may
 * then hold anything. */
bool  prim_swap_on(void);
/* Cores the process may run on (its affinity mask); at least 1. */
unsigned prim_ncpu(void);

ssize_t prim_write_all(int fd, const void *buf, size_t len);
int     prim_open_excl(const char *path);   /* O_CREAT|O_EXCL|O_NOFOLLOW, 0600 */

/* ward's own descriptors live high: the program expects the low numbers
 * it opens to be free, and if it closes every descriptor (closefrom) and
 * opens files again, those must not be numbers ward still writes to.
 * Pipes of ward's libraries (libunwind's, which it closes and makes again
 * by number when it finds them gone) go to one range and ward's files (the
 * trace, the log, the copy of stderr) to the one above, so that one never
 * closes the other: from 1000 and 1016, or just below the limit on open
 * descriptors when that is lower (1008 and 1014 under the usual 1024;
 * nothing is set apart under a limit below 32).
 * prim_fd_high moves fd there (closing the original); prim_fd_id and
 * prim_fd_is tell whether a number still refers to the file ward opened. */
enum prim_fd_range { PRIM_FD_PIPES, PRIM_FD_FILES };
struct prim_file_id {
    dev_t dev;
    ino_t ino;
};
int     prim_fd_high(int fd, enum prim_fd_range range);
int     prim_fd_base(enum prim_fd_range range);     /* 0: no room */
bool    prim_fd_id(int fd, struct prim_file_id *id);
bool    prim_fd_is(int fd, const struct prim_file_id *id);
void    prim_close(int fd);

pid_t    prim_getpid(void);
pid_t    prim_gettid(void);
/* Whether a thread of this process with that id is still running (its id
 * may have been reused by a later one). */
bool     prim_thread_exists(pid_t tid);
/* Reads the word at addr; false where nothing is mapped (or the kernel
 * refuses: a seccomp filter) instead of faulting. */
bool     prim_read_word(uintptr_t addr, uintptr_t *out);
uint64_t prim_now_ns(void);                 /* CLOCK_MONOTONIC */
void     prim_exit(int code) __attribute__((noreturn)); /* _exit, no handlers */

/* A three-state futex mutex (Drepper, "Futexes are tricky"): one atomic
 * exchange when uncontended, no allocation, valid when zeroed. */
typedef struct {
    int state;
    uintptr_t owner;        /* the holder's mark, 0 if none (see prim.c) */
} wd_lock;
void prim_lock(wd_lock *l);
void prim_unlock(wd_lock *l);
bool prim_trylock(wd_lock *l);
static inline void prim_lock_reset(wd_lock *l) { l->state = 0; l->owner = 0; }

/* Whether the calling thread holds any ward lock; a stop-the-world
 * request that finds it so parks it when it lets go of the last one
 * (through prim_park_hook). After fork, the child forgets the locks its
 * prepare handler took. */
bool prim_holds_locks(void);
void prim_hold(void);       /* counts as holding a lock (no lock taken) */
void prim_release(void);
void prim_park_later(void);
void prim_forget_locks(void);
extern void (*prim_park_hook)(void);
/* Called when this thread asks for a lock it already holds: a signal
 * handler allocating while the thread was inside ward. Does not return. */
extern void (*prim_self_deadlock_hook)(void);

/* Calls fn(arg) on another stack (top: its highest address, 16-aligned
 * here). Reports symbolize on a big stack of their own: the program's
 * coroutine stacks can be a few KiB, and libdw recurses deeply. */
void prim_call_on_stack(void (*fn)(void *), void *arg, void *top);

/* The stack pointer: where the caller's stack is live from, for the leak
 * scan, when ward's work moves to a stack of its own. The caller first
 * saves every callee-saved register in its frame (__builtin_unwind_init),
 * since the program's values in them would otherwise be pushed below this
 * point, or nowhere, on the way to the other stack. */
static inline __attribute__((always_inline)) uintptr_t prim_live_sp(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(sp));
    return sp;
}

/* Wait on / wake an int, for the stop-the-world handshake. */
void prim_futex_wait(int *addr, int expected, long timeout_ns);
void prim_futex_wake(int *addr);

#endif
