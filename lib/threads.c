/* The thread registry and per-thread state (see threads.h). Records live in
 * chunks of 256 that are never freed, indexed by T number. */
#define _GNU_SOURCE
#include "threads.h"
#include "coro.h"
#include "ctx.h"
#include "fault.h"
#include "imem.h"
#include "maps.h"
#include "prim.h"
#include "quarantine.h"
#include "report.h"
#include "trace_write.h"
#include "unwind.h"
#include "world.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>

#define CHUNK_SHIFT 8
#define CHUNK       (1u << CHUNK_SHIFT)
#define MAX_CHUNKS  4096                /* a million threads over a run */

WD_TLS struct wd_tls wd_tls;

static struct {
    wd_lock lock;
    struct wd_thread *chunk[MAX_CHUNKS];
    _Atomic uint32_t count;
    pthread_key_t key;
    bool key_ok;
    bool lost_any;              /* some thread was lost at fork */
} th;

static void thread_gone(void *arg);

void threads_init(void)
{
    th.key_ok = pthread_key_create(&th.key, thread_gone) == 0;
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
    uint32_t id = atomic_fetch_add(&th.count, 1);
    uint32_t c = id >> CHUNK_SHIFT;
    if (c >= MAX_CHUNKS) {
        report_warning_once("ward's table of threads is full (it follows the first 1,048,576 "
                            "threads a process starts); threads started from now on are not "
                            "followed");
        return NULL;
    }
    prim_lock(&th.lock);
    if (!th.chunk[c])
        th.chunk[c] = imem_alloc(CHUNK * sizeof(struct wd_thread));
    prim_unlock(&th.lock);
    if (!th.chunk[c]) {
        report_warning_once("no memory left for ward's records of threads (about 700 bytes "
                            "each, kept for the run); threads started from now on are not "
                            "followed");
        return NULL;
    }
    struct wd_thread *t = &th.chunk[c][id & (CHUNK - 1)];
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
    wd_tls.in_ward--;
}

struct wd_thread *threads_get(uint32_t id)
{
    if (id >= atomic_load(&th.count) || !th.chunk[id >> CHUNK_SHIFT])
        return NULL;
    return &th.chunk[id >> CHUNK_SHIFT][id & (CHUNK - 1)];
}

uint32_t threads_count(void)
{
    uint32_t n = atomic_load(&th.count);
    return n < MAX_CHUNKS * CHUNK ? n : MAX_CHUNKS * CHUNK;
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

void threads_atfork_prepare(void) { prim_lock(&th.lock); }
void threads_atfork_parent(void)  { prim_unlock(&th.lock); }

bool threads_lost_any(void) { return th.lost_any; }

/* Only the forking thread survives into the child. */
void threads_atfork_child(void)
{
    uint32_t n = threads_count();
    struct wd_thread *me = wd_tls.self;
    prim_lock_reset(&th.lock);
    for (uint32_t i = 0; i < n; i++) {
        struct wd_thread *t = threads_get(i);
        if (t && t != me && atomic_exchange(&t->alive, 0))
            t->lost = th.lost_any = true;
        if (t && t != me)
            atomic_store(&t->start_arg, 0);     /* never starts here */
    }
    if (me)
        me->tid = prim_gettid();
}
