/* Threads as ward sees them: a record per thread (numbered T0, T1, ... in
 * creation order, as in ASan reports, never reused), kept after the thread
 * ends, since a report may name it, until the 255 others of its chunk have
 * ended too (see threads.c); and each thread's own state in one small
 * initial-exec TLS block. */
#ifndef WARD_THREADS_H
#define WARD_THREADS_H

#include <sys/types.h>
#include <stdatomic.h>
#include <ucontext.h>

#include "common.h"
#include "heap.h"
#include "owners.h"

#define THREAD_NONE UINT32_MAX

struct wd_coro;

struct wd_thread {
    uint32_t  id;               /* T number */
    uint32_t  parent;           /* creator's T number, or THREAD_NONE */
    uint32_t  create_stack;
    pid_t     tid;              /* kernel thread id */
    _Atomic int alive;
    bool      lost;             /* ran when the process forked: gone in the child */
    char      name[16];         /* "" until named */
    uintptr_t stack_lo, stack_hi;   /* 0 when unknown */
    uintptr_t tp;               /* thread pointer (pthread_self) */
    _Atomic uintptr_t start_arg;    /* pthread_create's argument, until the
                                       thread holds it itself */
    struct wd_tcache *tc;
    uint16_t  default_owner;    /* its name, or "main" */
    struct owner_stack owners;  /* ward_owner_push on the thread's own stack */
    struct owner_cache ocache;
    struct wd_coro *own_coro;   /* suspensions of the thread's own stack */
    void     *tbuf;             /* its trace buffer (see trace_write.c) */
    int       tbusy;            /* using it: writing a record, sending it */
    int       tsteal;           /* the writer is taking it */
    uint64_t  tseq;             /* chunks of it written so far */
    /* Stop-the-world for the leak scan: the thread parks in a signal
     * handler with its registers saved here. */
    _Atomic int parked;
    int         stop_signalled;     /* the stop it was signalled for */
    bool        unparkable;         /* ... and it cannot take the signal */
    uintptr_t   sp;
    greg_t      regs[NGREG];
};

struct wd_tls {
    struct wd_thread *self;     /* NULL until the thread is registered */
    uint32_t ctx;               /* current (thread, coroutine), see ctx.h */
    uint32_t coro;              /* current coroutine, 0: the thread's stack */
    uint16_t coro_owner;        /* its name as an owner, 0 when unnamed */
    int      in_ward;           /* >0 inside ward: nested calls are internal */
    bool     exiting;           /* past our TSD destructor */
    bool     unrecorded;        /* no record could be made for it: not tried again */
    struct wd_tcache *tc;
    struct owner_stack *owners; /* of what runs now (the thread, a coroutine) */
    struct qbatch *qbatch;      /* this thread's share of the quarantine */
    struct uw_memo *memo;       /* its last stack walk (unwind.c) */
    void    *probe;             /* a sigjmp_buf: memory ward reads may vanish */
    int      sample_left;       /* allocations until the next guarded one */
    uint32_t sample_seed;
    uint64_t ts_tsc, ts_ns;     /* the trace's last clock read (trace_write.c) */
};

extern WD_TLS struct wd_tls wd_tls;

void threads_init(void);

/* Registers the calling thread if it is not yet; false if ward's memory
 * is exhausted (the thread then runs without a cache). */
struct wd_thread *threads_self(void);

/* pthread_create support: a record made by the parent, adopted by the
 * child when it starts. */
struct wd_thread *threads_new(uint32_t create_stack);
void threads_adopt(struct wd_thread *t);

/* NULL for a number never handed out or whose record was reclaimed (its
 * chunk of 256 all ended and left the kernel): callers must expect it. */
struct wd_thread *threads_get(uint32_t id);
/* Numbers handed out: every record is below. */
uint32_t threads_count(void);
/* The first number from id on that may have a record (skips reclaimed
 * chunks whole), or threads_count(): for walks over every thread. */
uint32_t threads_next(uint32_t id);
/* Its name, or NULL: from its record, or for a reclaimed one the name its
 * whole chunk shared. */
const char *threads_name_of(uint32_t id);
/* Whether the thread's record was reclaimed. */
bool threads_gone(uint32_t id);

/* Holds records from being reclaimed meanwhile (the trace writer's steal
 * of a buffer). */
void threads_lock(void);
void threads_unlock(void);

/* pthread_create failed: the record made for the thread is done with. */
void threads_unstarted(struct wd_thread *t);

/* The i-th of the stacks where threads whose records were reclaimed ran,
 * one per range with the last thread there; false past the last (glibc
 * keeps stacks for reuse: the leak scan must not take what an ended
 * thread left there for roots). Takes no lock: for the leak scan, with the
 * other threads stopped. */
struct dead_stack {
    uintptr_t lo, hi, tp;
    uint32_t id;
    pid_t tid;
};
bool threads_dead_stack(uint32_t i, struct dead_stack *out);

/* Names come from pthread_setname_np and prctl(PR_SET_NAME), which ward
 * interposes; the main thread starts as "main", others unnamed. A name is
 * also the thread's default owner. */
void threads_set_name(struct wd_thread *t, const char *name);

/* The owner of what the calling thread allocates now. */
static inline uint16_t threads_owner(void)
{
    uint16_t id;
    if (wd_tls.owners && owners_top(wd_tls.owners, &id))
        return id;
    if (wd_tls.coro_owner)
        return wd_tls.coro_owner;
    return wd_tls.self ? wd_tls.self->default_owner : OWNER_MAIN;
}

static inline struct owner_cache *threads_owner_cache(void)
{
    return wd_tls.self && !wd_tls.exiting ? &wd_tls.self->ocache : NULL;
}

void threads_atfork_prepare(void);
void threads_atfork_parent(void);
void threads_atfork_child(void);
/* Whether a fork left threads behind (their blocks, see leaks.c). */
bool threads_lost_any(void);

#endif
