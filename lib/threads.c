/* The thread registry and per-thread state (see threads.h). Records live in
 * chunks of 256 consecutive T numbers. A chunk whose threads have all
 * ended and left the kernel leaves the directory (threads_get returns
 * NULL for its numbers), so that a server that starts a thread per
 * request keeps the records of the threads alive. Readers take no lock:
 * a reclaimed chunk is parked a while (dir.h) before it serves new
 * numbers. What the leak scan needs of an ended thread, where its stack
 * was, is kept in a list of dead stacks (glibc keeps stacks for reuse,
 * with stale pointers). */
#define _GNU_SOURCE
#include "threads.h"
#include "coro.h"
#include "ctx.h"
#include "dir.h"
#include "fault.h"
#include "imem.h"
#include "maps.h"
#include "prim.h"
#include "quarantine.h"
#include "report.h"
#include "trace_format.h"
#include "trace_write.h"
#include "unwind.h"
#include "world.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>

#define CHUNK_SHIFT 8
#define CHUNK       (1u << CHUNK_SHIFT)
#define MAX_ID      INT32_MAX
#define RETRY_EVERY 64                  /* thread starts between looks at the chunks
                                           whose threads were still leaving */
#define WAITING     64                  /* such chunks looked at again; past that,
                                           one is kept for the run */
#define DEAD_STACKS 4096

WD_TLS struct wd_tls wd_tls;

struct thread_chunk {
    struct dir_parked park;
    _Atomic uint32_t ended;             /* its threads past thread_gone (or never started) */
    struct wd_thread rec[CHUNK];
};

static struct {
    wd_lock lock;
    struct wd_dir dir;                  /* id >> CHUNK_SHIFT -> chunk, NULL once reclaimed */
    _Atomic uint32_t count;
    _Atomic uint32_t low_due;           /* lowest chunk all ended since the last sweep */
    struct { uint32_t index, at; } waiting[WAITING];    /* ended, a thread at `at`
                                                           still leaving */
    uint32_t nwaiting, since_retry;
    struct dir_park parked;
    struct wd_dir names;                /* of reclaimed chunks: the owner id of the
                                           name all its threads had, or none */
    struct dead_stack dead[DEAD_STACKS];    /* one per stack range */
    uint32_t ndead;
    pthread_key_t key;
    bool key_ok;
    bool lost_any;              /* some thread was lost at fork */
} th;

static void thread_gone(void *arg);

void threads_init(void)
{
    th.key_ok = pthread_key_create(&th.key, thread_gone) == 0;
    atomic_store(&th.low_due, UINT32_MAX);
}

static struct thread_chunk *chunk_of(uint32_t id)
{
    return dir_get(&th.dir, id >> CHUNK_SHIFT);
}

/* ---- reclaiming records ---- */

/* t is done with its record (ended, or never started); once all of its
 * chunk are, the chunk is due. */
static void end_record(struct wd_thread *t)
{
    struct thread_chunk *k = chunk_of(t->id);
    if (!k || atomic_fetch_add(&k->ended, 1) + 1 != CHUNK)
        return;
    dir_due(&th.low_due, t->id >> CHUNK_SHIFT);
}

/* Whether nothing can use the record any more: the thread has left the
 * kernel (later destructors of the program may run after thread_gone),
 * and its trace buffer was sent. A thread left behind by fork keeps its
 * record: the leak scan asks of its blocks. */
static bool record_done(const struct wd_thread *t)
{
    return !atomic_load(&t->alive) && !t->lost && !prim_thread_exists(t->tid) &&
           !__atomic_load_n((void *const *)&t->tbuf, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&t->tbusy, __ATOMIC_ACQUIRE) &&
           !__atomic_load_n(&t->tsteal, __ATOMIC_ACQUIRE);
}

/* The first record of the chunk from at on whose thread has not left
 * (CHUNK: none). */
static uint32_t leaving(const struct thread_chunk *k, uint32_t at)
{
    while (at < CHUNK && record_done(&k->rec[at]))
        at++;
    return at;
}

/* A reclaimed thread's stack, for the leak scan. One entry per range: a
 * stack glibc hands from thread to thread replaces its entry, so thousands
 * of threads on a few cached stacks do not push out a stack of a rarer
 * size, cached as long. Full, the oldest thread's entry goes. */
static void remember_stack(const struct wd_thread *t)
{
    struct dead_stack d = { t->stack_lo, t->stack_hi, t->tp, t->id, t->tid };
    uint32_t slot = th.ndead, oldest = 0;
    for (uint32_t i = 0; i < th.ndead && slot == th.ndead; i++) {
        if (th.dead[i].lo == d.lo && th.dead[i].hi == d.hi)
            slot = i;
        else if (th.dead[i].id < th.dead[oldest].id)
            oldest = i;
    }
    if (slot < th.ndead) {
        if (th.dead[slot].id < d.id)    /* a chunk reclaimed late is older */
            th.dead[slot] = d;
        return;
    }
    if (th.ndead < DEAD_STACKS)
        th.ndead++;
    else
        slot = oldest;
    th.dead[slot] = d;
}

/* The owner id of the name every thread of the chunk had, or 0. */
static uint16_t shared_name(const struct thread_chunk *k)
{
    uint16_t owner = k->rec[0].name[0] ? k->rec[0].default_owner : 0;
    for (uint32_t i = 1; i < CHUNK && owner; i++)
        if (!k->rec[i].name[0] || k->rec[i].default_owner != owner)
            owner = 0;
    return owner;
}

static void reclaim(uint32_t index, struct thread_chunk *k)
{
    dir_set(&th.names, index, (void *)(uintptr_t)shared_name(k));
    for (uint32_t i = 0; i < CHUNK; i++) {
        struct wd_thread *t = &k->rec[i];
        if (t->stack_hi)
            remember_stack(t);
        if (t->own_coro)
            imem_free(t->own_coro, sizeof *t->own_coro);
    }
    dir_set(&th.dir, index, NULL);
    dir_park(&th.parked, k);
}

/* A chunk all ended: reclaimed if its threads have left, else put on the
 * waiting list (or, that full, kept). */
static bool try_reclaim(uint32_t index, uint32_t at)
{
    struct thread_chunk *k = chunk_of(index << CHUNK_SHIFT);
    if (!k || atomic_load(&k->ended) != CHUNK)
        return true;                    /* gone, or a thread is back (fork) */
    at = leaving(k, at);
    if (at == CHUNK) {
        reclaim(index, k);
        return true;
    }
    if (th.nwaiting < WAITING)
        th.waiting[th.nwaiting++] = (__typeof__(th.waiting[0])){ index, at };
    return false;
}

/* Reclaims the chunks that came due and those whose threads were still
 * leaving (every RETRY_EVERY starts); true if it reclaimed any. Called
 * locked. */
static bool sweep(void)
{
    uint32_t from = atomic_exchange(&th.low_due, UINT32_MAX), before = th.nwaiting;
    bool any = false;
    if (th.nwaiting && ++th.since_retry >= RETRY_EVERY) {
        th.since_retry = 0;
        uint32_t n = th.nwaiting;
        th.nwaiting = 0;
        for (uint32_t i = 0; i < n; i++)
            any |= try_reclaim(th.waiting[i].index, th.waiting[i].at);
        before = th.nwaiting;
    }
    if (from == UINT32_MAX)
        return any;
    /* Chunks mostly end in the order they were made: from is near last. */
    uint32_t last = (atomic_load(&th.count) - 1) >> CHUNK_SHIFT;
    for (uint32_t i = from; i <= last; i++) {
        bool waits = false;
        for (uint32_t w = 0; w < before && !waits; w++)
            waits = th.waiting[w].index == i;
        if (!waits)
            any |= try_reclaim(i, 0);
    }
    return any;
}

const char *threads_name_of(uint32_t id)
{
    struct wd_thread *t = threads_get(id);
    if (t)
        return t->name[0] ? t->name : NULL;
    uint16_t owner = id < atomic_load(&th.count)
                         ? (uint16_t)(uintptr_t)dir_get(&th.names, id >> CHUNK_SHIFT) : 0;
    return owner ? owners_name(owner) : NULL;
}

bool threads_gone(uint32_t id)
{
    return id < atomic_load(&th.count) && !chunk_of(id);
}

bool threads_dead_stack(uint32_t i, struct dead_stack *out)
{
    if (i >= th.ndead)
        return false;
    *out = th.dead[i];
    return true;
}

struct main_stack_walk {
    struct wd_thread *t;
    uintptr_t below;                /* the end of the mapping before */
};

static bool main_stack(const struct map_ent *e, void *arg)
{
    struct main_stack_walk *w = arg;
    struct wd_thread *t = w->t;
    struct rlimit rl;
    if (strcmp(e->path, "[stack]") != 0) {
        w->below = e->hi;
        return true;
    }
    t->stack_lo = e->lo;
    t->stack_hi = e->hi;
    /* The main stack grows down on demand, up to its limit (with no limit,
     * up to the mapping below it): count what it may become, or a deep
     * recursion would leave the known stack. */
    if (getrlimit(RLIMIT_STACK, &rl) != 0)
        return false;
    if (rl.rlim_cur == RLIM_INFINITY) {
        if (w->below && w->below < e->lo)
            t->stack_lo = w->below + WD_PAGE;
    } else if (rl.rlim_cur < e->hi && e->hi - rl.rlim_cur < e->lo) {
        t->stack_lo = e->hi - rl.rlim_cur;
    }
    return false;
}

struct wd_thread *threads_new(uint32_t create_stack)
{
    prim_lock(&th.lock);
    bool swept = sweep();
    uint32_t id = atomic_load(&th.count), index = id >> CHUNK_SHIFT;
    bool spent = id > MAX_ID || (trace_on && id >= TR_MAX_THREAD);
    struct thread_chunk *k = spent ? NULL : chunk_of(id);
    if (!spent && !k && (k = dir_unpark(&th.parked, sizeof *k)) &&
        !dir_set(&th.dir, index, k)) {
        imem_free(k, sizeof *k);
        k = NULL;
    }
    if (k)
        atomic_store(&th.count, id + 1);
    prim_unlock(&th.lock);
    if (swept)
        ctx_collect(coro_pair_gone);
    if (!k) {
        if (spent && trace_on)
            report_warning_once("a trace holds threads numbered below 1,048,576; threads "
                                "started from now on are not followed");
        else if (spent)
            report_warning_once("ward has numbered 2,147,483,647 threads, all it can; threads "
                                "started from now on are not followed");
        else
            report_warning_once("no memory left for ward's records of threads (about 1 KB "
                                "each while a thread of their chunk of 256 lives); threads "
                                "started from now on are not followed");
        return NULL;
    }
    struct wd_thread *t = &k->rec[id & (CHUNK - 1)];
    t->id = id;
    t->create_stack = create_stack;
    t->parent = wd_tls.self ? wd_tls.self->id : THREAD_NONE;
    return t;
}

/* Called on the thread itself. Stack bounds come from pthread for created
 * threads and from the [stack] mapping for the main thread. */
void threads_adopt(struct wd_thread *t)
{
    pthread_attr_t attr;
    t->tid = prim_gettid();
    t->tp = (uintptr_t)pthread_self();
    t->tc = imem_alloc(sizeof *t->tc);
    if (t->id == 0) {
        struct main_stack_walk w = { t, 0 };
        maps_foreach(main_stack, &w);
        memcpy(t->name, "main", 5);
    } else if (pthread_getattr_np(pthread_self(), &attr) == 0) {
        void *lo;
        size_t size;
        if (pthread_attr_getstack(&attr, &lo, &size) == 0) {
            t->stack_lo = (uintptr_t)lo;
            t->stack_hi = (uintptr_t)lo + size;
        }
        pthread_attr_destroy(&attr);
    }
    t->default_owner = OWNER_MAIN;
    atomic_store(&t->alive, 1);
    if (t->id != 0)                 /* the main thread's comes with fault_init */
        fault_thread_start();
    wd_tls.self = t;
    world_check_in();               /* born during a stop: wait it out */
    wd_tls.tc = t->tc;
    wd_tls.memo = uw_memo_new();
    wd_tls.owners = &t->owners;
    wd_tls.ctx = ctx_intern(t->id, 0);
    wd_tls.coro = 0;
    wd_tls.sample_seed = (uint32_t)t->tid * 2654435761u;
    if (th.key_ok && t->id != 0)
        pthread_setspecific(th.key, t);
}

struct wd_thread *threads_self(void)
{
    if (WD_LIKELY(wd_tls.self != NULL))
        return wd_tls.self;
    if (wd_tls.unrecorded)          /* every call would take an id and warn */
        return NULL;
    struct wd_thread *t = threads_new(0);
    if (t)
        threads_adopt(t);
    else
        wd_tls.unrecorded = true;
    return t;
}

/* The TSD destructor: the thread is leaving. Later frees on this thread
 * (from other destructors) still work, without a cache. */
static void thread_gone(void *arg)
{
    struct wd_thread *t = arg;
    wd_tls.in_ward++;
    trace_thread_end();
    quarantine_flush_thread();
    if (wd_tls.tc) {
        heap_tcache_flush(wd_tls.tc);
        imem_free(wd_tls.tc, sizeof *wd_tls.tc);
    }
    owners_flush(&t->ocache);
    struct uw_memo *memo = wd_tls.memo;
    wd_tls.memo = NULL;
    uw_memo_free(memo);
    wd_tls.tc = t->tc = NULL;
    wd_tls.exiting = true;
    coro_thread_end();              /* after: it logs no more frees */
    fault_thread_end();
    atomic_store(&t->alive, 0);
    end_record(t);
    wd_tls.in_ward--;
}

void threads_unstarted(struct wd_thread *t)
{
    end_record(t);
}

struct wd_thread *threads_get(uint32_t id)
{
    if (id >= atomic_load(&th.count))
        return NULL;
    struct thread_chunk *k = chunk_of(id);
    return k ? &k->rec[id & (CHUNK - 1)] : NULL;
}

uint32_t threads_count(void)
{
    return atomic_load(&th.count);
}

uint32_t threads_next(uint32_t id)
{
    uint32_t n = atomic_load(&th.count);
    while (id < n && !chunk_of(id))
        id = (id | (CHUNK - 1)) + 1;
    return id < n ? id : n;
}

void threads_set_name(struct wd_thread *t, const char *name)
{
    size_t n = strnlen(name, sizeof t->name - 1);
    memcpy(t->name, name, n);
    t->name[n] = '\0';
    t->default_owner = n ? owners_intern(t->name) : OWNER_MAIN;
    if (trace_on)
        trace_thread_name(t->id, t->name);
}

void threads_lock(void)   { prim_lock(&th.lock); }
void threads_unlock(void) { prim_unlock(&th.lock); }

void threads_atfork_prepare(void) { prim_lock(&th.lock); }
void threads_atfork_parent(void)  { prim_unlock(&th.lock); }

bool threads_lost_any(void) { return th.lost_any; }

/* Only the forking thread survives into the child. */
void threads_atfork_child(void)
{
    uint32_t n = threads_count();
    struct wd_thread *me = wd_tls.self;
    prim_lock_reset(&th.lock);
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (t && t != me && atomic_exchange(&t->alive, 0))
            t->lost = th.lost_any = true;
        if (t && t != me)
            atomic_store(&t->start_arg, 0);     /* never starts here */
    }
    if (me)
        me->tid = prim_gettid();
}
