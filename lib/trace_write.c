/* The trace writer (see trace_write.h).
 *
 * Buffers: each thread owns at most one, reachable from its record (so the
 * exit path can collect them while the threads are stopped). Appending to
 * it counts as holding a ward lock (prim_hold), so a stopped thread is
 * never parked in the middle of a record. Full buffers queue for the
 * writer thread; used ones go back to a free list. At most BUF_LIMIT
 * exist beyond one per thread. A thread that goes quiet would keep its
 * last events until it records again: the writer takes a buffer a second
 * old from a thread not using it (see take_idle). */
#define _GNU_SOURCE
#include "trace_write.h"
#include "coro.h"
#include "ctx.h"
#include "deps.h"
#include "fmt.h"
#include "imem.h"
#include "maps.h"
#include "options.h"
#include "owners.h"
#include "stacks.h"
#include "prim.h"
#include "report.h"
#include "report_text.h"
#include "threads.h"
#include "trace_format.h"
#include "varint.h"
#include "world.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zstd.h>

#define BUF_LIMIT  64               /* queued buffers before threads wait */
#define FLUSH_NS   1000000000ull    /* a buffer older than this is written */

struct tbuf {
    struct tbuf *next;
    uint32_t thread;
    uint64_t seq;
    uint64_t base_ts, last_ts;
    size_t   len;
    uint64_t events;                /* records in it */
    uint8_t  data[TR_CHUNK_MAX];
};

static struct {
    wd_lock lock;
    struct tbuf *queue, **tail;     /* full, waiting for the writer */
    struct tbuf *free;
    unsigned queued, total;
    int wake;                       /* futex word for the writer */
    int room;                       /* futex word for waiting threads */
    bool stopping;
    bool failed;                    /* the file could not be made or written */
    int fd;
    struct prim_file_id file;       /* what fd must still refer to */
    uint64_t t0;                    /* monotonic ns at start */
    unsigned ncpu;                  /* cores the process may run on */
    uint64_t events;                /* records in queued buffers */
    pthread_t writer;
    bool writer_running;
    _Atomic int idle;               /* the writer has nothing to do */
    uint64_t sent, written;         /* buffers queued and written, ever */
    wd_lock file_lock;              /* the file's offset and the compressor */
    pid_t pid;                      /* the process this trace is of */
    bool own_events;                /* recorded more than the header and
                                       what it inherited */
    bool forked;                    /* a child made by fork: no file until
                                       it records something of its own */
    /* zstd, loaded locally */
    ZSTD_CCtx *(*create)(void);
    size_t (*compress)(ZSTD_CCtx *, void *, size_t, const void *, size_t, int);
    unsigned (*is_error)(size_t);
    ZSTD_CCtx *cctx;
    uint8_t *out;
    size_t out_cap;
    bool can_take;                  /* membarrier works: see take_idle */
    bool tsc_ok;                    /* rdtsc may be used: see stamp */
} tw;

bool trace_on;

static uint64_t now_ts(void)
{
    return prim_now_ns() - tw.t0;
}

/* A record's time. The clock costs 19-22 ns a read on this machine (a
 * VM's vDSO), as much as the rest of a record; the time stamp counter,
 * unordered, 6-10. While the process has a single thread, a record takes
 * the time of the thread's last clock read if the counter says fewer than
 * REUSE_TICKS passed since (1.6 us at this machine's 2.6 GHz; more for a
 * thread moved to a core whose counter lags, on hosts without synchronised
 * counters). With a second thread every record reads the clock: readers
 * merge threads by time, and a stale stamp could put a free before the
 * allocation another thread made. Stale stamps are never later than their
 * events, and the second thread is counted before its first record, so a
 * thread that has not yet seen it stamps only events no record of the
 * other follows causally. */
#define REUSE_TICKS 4096

static uint64_t stamp(void)
{
#if defined(__x86_64__)
    if (tw.tsc_ok && wd_tls.self && threads_count() == 1) {
        uint64_t tsc = __builtin_ia32_rdtsc();
        if (tsc - wd_tls.ts_tsc < REUSE_TICKS)
            return wd_tls.ts_ns - tw.t0;
        wd_tls.ts_tsc = tsc;
        wd_tls.ts_ns = prim_now_ns();
        return wd_tls.ts_ns - tw.t0;
    }
#endif
    return now_ts();
}

/* Where a hypervisor traps rdtsc it costs more than the clock. */
static bool tsc_usable(void)
{
#if defined(__x86_64__)
    volatile uint64_t sink;
    uint64_t t0 = prim_now_ns();
    for (int i = 0; i < 16; i++)
        sink = __builtin_ia32_rdtsc();
    uint64_t t1 = prim_now_ns();
    for (int i = 0; i < 16; i++)
        sink = prim_now_ns();
    uint64_t t2 = prim_now_ns();
    (void)sink;
    return t1 - t0 < t2 - t1;
#else
    return false;
#endif
}

/* ---- buffers ---- */

static struct tbuf *new_buffer(void)
{
    struct tbuf *b = NULL;
    prim_lock(&tw.lock);
    for (;;) {
        if (tw.free) {
            b = tw.free;
            tw.free = b->next;
            break;
        }
        if (tw.queued < BUF_LIMIT || !tw.writer_running) {
            tw.total++;
            break;
        }
        /* The writer is behind: wait for it, rather than grow. */
        int room = tw.room;
        prim_unlock(&tw.lock);
        prim_futex_wait(&tw.room, room, 50000000L);
        prim_lock(&tw.lock);
    }
    prim_unlock(&tw.lock);
    if (!b)
        b = imem_alloc(sizeof *b);
    return b;
}

static void queue_buffer(struct tbuf *b)
{
    if (!b || !b->len) {
        if (b) {
            prim_lock(&tw.lock);
            b->next = tw.free;
            tw.free = b;
            prim_unlock(&tw.lock);
        }
        return;
    }
    b->next = NULL;
    prim_lock(&tw.lock);
    tw.events += b->events;
    *tw.tail = b;
    tw.tail = &b->next;
    tw.queued++;
    tw.sent++;
    tw.wake++;
    prim_unlock(&tw.lock);
    prim_futex_wake(&tw.wake);
}

static struct tbuf **my_buffer(void)
{
    static struct tbuf *nobody;     /* events before the thread is known */
    return wd_tls.self ? (struct tbuf **)&wd_tls.self->tbuf : &nobody;
}

/* ---- a quiet thread's buffer ----
 *
 * The writer may take another thread's buffer while that thread is not
 * using it, without making the thread pay a fence per record: the thread
 * marks its use with tbusy and a compiler barrier; the writer raises
 * tsteal and calls membarrier, which makes every running thread of the
 * process pass a full barrier. After it, a thread that was using its
 * buffer shows tbusy, and one that was not sees tsteal before it touches
 * the buffer, and waits the moment it takes the writer to swap it out (an
 * asymmetric Dekker handshake). tsteal counts its takers: the writer and
 * a fatal signal's flush may take at once. */

static struct tbuf **slot_enter(void)
{
    struct wd_thread *t = wd_tls.self;
    if (!t)
        return my_buffer();
    __atomic_store_n(&t->tbusy, t->tbusy + 1, __ATOMIC_RELAXED);
    atomic_signal_fence(memory_order_seq_cst);
    while (__atomic_load_n(&t->tsteal, __ATOMIC_ACQUIRE))
        __builtin_ia32_pause();
    return (struct tbuf **)&t->tbuf;
}

static void slot_leave(void)
{
    struct wd_thread *t = wd_tls.self;
    if (t)
        __atomic_store_n(&t->tbusy, t->tbusy - 1, __ATOMIC_RELEASE);
}

/* Takes this thread's buffer out of its slot. */
static struct tbuf *take_mine(void)
{
    struct tbuf **slot = slot_enter(), *b = *slot;
    *slot = NULL;
    slot_leave();
    return b;
}

/* Sends this thread's buffer to the writer. */
static void send_mine(void)
{
    queue_buffer(take_mine());
}

static bool membarrier_cmd(int cmd)
{
    return syscall(SYS_membarrier, cmd, 0, 0) == 0;
}

/* Whether thread t's buffer is worth taking: it has one, not in use at a
 * glance, and (stale_only) a second old. */
static bool takeable(const struct wd_thread *t, bool stale_only, uint64_t now)
{
    if (!t || t == wd_tls.self || t->lost || !atomic_load(&t->alive))
        return false;
    struct tbuf *b = __atomic_load_n((struct tbuf **)&t->tbuf, __ATOMIC_ACQUIRE);
    return b && !__atomic_load_n(&t->tbusy, __ATOMIC_ACQUIRE) &&
           (!stale_only || now - __atomic_load_n(&b->base_ts, __ATOMIC_RELAXED) >= FLUSH_NS);
}

/* Queues the buffers of the other threads that are not using them: those
 * a second old (stale_only), or all of them (the process is dying, or
 * ending with threads that could not be stopped). One membarrier serves a
 * batch of threads. */
static void take_idle(bool stale_only)
{
    struct wd_thread *batch[64];
    if (!tw.can_take)
        return;
    uint64_t now = now_ts();
    uint32_t n = threads_count(), i = threads_next(0);
    while (i < n) {
        unsigned k = 0;
        /* Under the registry's lock: a record whose steal is raised is not
         * reclaimed, and one reclaimed is not raised. */
        threads_lock();
        for (; i < n && k < WD_ARRAY_LEN(batch); i = threads_next(i + 1)) {
            struct wd_thread *t = threads_get(i);
            if (takeable(t, stale_only, now)) {
                __atomic_fetch_add(&t->tsteal, 1, __ATOMIC_SEQ_CST);
                batch[k++] = t;
            }
        }
        threads_unlock();
        bool fenced = k && membarrier_cmd(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
        for (unsigned j = 0; j < k; j++) {
            struct wd_thread *t = batch[j];
            if (fenced && __atomic_load_n(&t->tbusy, __ATOMIC_SEQ_CST) == 0)
                queue_buffer(__atomic_exchange_n((struct tbuf **)&t->tbuf, NULL,
                                                 __ATOMIC_ACQ_REL));
            __atomic_fetch_sub(&t->tsteal, 1, __ATOMIC_RELEASE);
        }
    }
}

/* Starts a record of at most max bytes; returns where its fields go, or
 * NULL when tracing is off. */
static uint8_t *begin(unsigned type, size_t max)
{
    if (!trace_on)
        return NULL;
    if (type >= TR_ALLOC && !tw.own_events) {
        tw.own_events = true;
        if (tw.forked) {                /* the writer may now make the file */
            __atomic_fetch_add(&tw.wake, 1, __ATOMIC_RELAXED);
            prim_futex_wake(&tw.wake);
        }
    }
    /* Inside ward until end(): a signal handler's malloc meanwhile is
     * internal, and writes no record into the middle of this one (records
     * from outside the allocator, an owner push or a thread's name, have
     * no other guard). */
    wd_tls.in_ward++;
    prim_hold();
    struct tbuf **slot = slot_enter(), *b = *slot;
    uint64_t now = stamp();
    /* Full, or a second old: a killed process then loses at most the last
     * second of each thread's events. */
    if (b && (b->len + 1 + VARINT_MAX + max > TR_CHUNK_MAX ||
              (b->len && now - b->base_ts > FLUSH_NS))) {
        queue_buffer(b);
        b = *slot = NULL;
    }
    if (!b) {
        b = *slot = new_buffer();
        if (!b) {
            trace_on = false;
            report_warning_once("no memory left for trace buffers; tracing stops, and the "
                                "trace is readable up to here");
            slot_leave();
            prim_release();
            wd_tls.in_ward--;
            return NULL;
        }
        b->thread = wd_tls.self ? wd_tls.self->id : 0;
        b->seq = wd_tls.self ? wd_tls.self->tseq++ : 0;
        b->len = 0;
        b->events = 0;
    }
    if (b->len == 0)
        b->base_ts = b->last_ts = now;
    uint8_t *p = b->data + b->len;
    *p++ = (uint8_t)type;
    p = varint_put(p, now >= b->last_ts ? now - b->last_ts : 0);
    b->last_ts = now >= b->last_ts ? now : b->last_ts;
    return p;
}

/* Records so far: those queued and the calling thread's. */
static uint64_t events_so_far(void)
{
    struct tbuf *b = *slot_enter();
    prim_lock(&tw.lock);
    uint64_t n = tw.events + (b ? b->events : 0);
    prim_unlock(&tw.lock);
    slot_leave();
    return n;
}

static void end(uint8_t *p)
{
    struct tbuf **slot = my_buffer(), *b = *slot;
    b->len = (size_t)(p - b->data);
    b->events++;                    /* not a shared count: its line would
                                       bounce between the threads */
    /* A thread past its end sends every record at once: nobody else will. */
    if (wd_tls.exiting) {
        queue_buffer(b);
        *slot = NULL;
    }
    slot_leave();
    prim_release();
    wd_tls.in_ward--;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max) : 0;
    p = varint_put(p, n);
    memcpy(p, s, n);
    return p + n;
}

static bool create_file(char *err, size_t errlen);

/* ---- the writer thread ---- */

/* zstd's level for a chunk of thread's: 3, unless threads writing chunks
 * within the last second are at least as many as the cores the process
 * may run on. Compression then takes its time from the program's threads,
 * and level 1 is about 1.5x as fast for a trace 7-10% larger (malloc_heavy
 * on two threads and two cores: 12% less time). Called with file_lock
 * held. */
static int chunk_level(uint32_t thread)
{
    static struct { uint32_t thread; uint64_t ts; } seen[16];
    static unsigned next;
    uint64_t now = prim_now_ns();
    unsigned k, busy = 0;
    for (k = 0; k < WD_ARRAY_LEN(seen) && !(seen[k].ts && seen[k].thread == thread); k++)
        ;
    if (k == WD_ARRAY_LEN(seen))
        k = next++ % WD_ARRAY_LEN(seen);
    seen[k].thread = thread;
    seen[k].ts = now;
    for (k = 0; k < WD_ARRAY_LEN(seen); k++)
        busy += seen[k].ts && now - seen[k].ts < FLUSH_NS;
    return busy >= tw.ncpu ? 1 : 3;
}

/* One chunk: its header, then the records, compressed as one frame. */
static bool write_chunk(struct tbuf *b)
{
    uint8_t head[64], *h = head;
    memcpy(h, TR_MAGIC, 4);
    h += 4;
    *h++ = TR_VERSION;
    h = varint_put(h, b->thread);
    h = varint_put(h, b->seq);
    memcpy(h, &b->base_ts, 8);          /* little-endian, as x86-64 is */
    h += 8;
    h = varint_put(h, b->len);
    size_t hlen = (size_t)(h - head), need = hlen + b->len;
    static uint8_t *src;
    if (!src)
        src = imem_alloc(TR_CHUNK_MAX + sizeof head);
    if (!src)
        return false;
    memcpy(src, head, hlen);
    memcpy(src + hlen, b->data, b->len);
    size_t n = tw.compress(tw.cctx, tw.out, tw.out_cap, src, need, chunk_level(b->thread));
    if (tw.is_error(n))
        return false;
    if (!prim_fd_is(tw.fd, &tw.file)) {
        errno = EBADF;                  /* the program closed it */
        return false;
    }
    return prim_write_all(tw.fd, tw.out, n) == (ssize_t)n;
}

/* Closes the trace file, unless the program closed its descriptor and the
 * number is now one of the program's files. */
static void close_file(void)
{
    if (tw.fd >= 0 && prim_fd_is(tw.fd, &tw.file))
        prim_close(tw.fd);
    tw.fd = -1;
}

static void fail_writing(void)
{
    char msg[256];
    fmt_t f;
    fmt_init(&f, msg, sizeof msg, -1);
    fmt_str(&f, "cannot write the trace (");
    fmt_str(&f, strerror(errno));
    fmt_str(&f, "); tracing stops, and the trace is readable up to here");
    trace_on = false;
    report_warning_once(fmt_cstr(&f));
}

/* Compresses and writes what is queued; returns whether it did anything.
 * A forked child's inherited records wait for one of its own: a child
 * that execs or exits first leaves no file (and no file half made when
 * the exec ended the writer). Unless they fill the queue: threads would
 * wait for room for ever (the file is then made, and an exec may still
 * cut it short). */
static bool drain(void)
{
    if (tw.forked && tw.fd < 0 && !__atomic_load_n(&tw.own_events, __ATOMIC_RELAXED) &&
        __atomic_load_n(&tw.queued, __ATOMIC_RELAXED) < BUF_LIMIT)
        return false;
    prim_lock(&tw.lock);
    struct tbuf *b = tw.queue;
    tw.queue = NULL;
    tw.tail = &tw.queue;
    prim_unlock(&tw.lock);
    if (!b)
        return false;
    while (b) {
        struct tbuf *next = b->next;
        if (tw.fd < 0 && !tw.failed) {
            char err[WD_OPT_STR_MAX + 160];
            if (!create_file(err, sizeof err)) {
                report_message(err);
                tw.failed = true;
                trace_on = false;
            }
        }
        prim_lock(&tw.file_lock);
        if (tw.fd >= 0 && !write_chunk(b)) {
            fail_writing();
            close_file();
            tw.failed = true;
        }
        prim_unlock(&tw.file_lock);
        b->len = 0;
        prim_lock(&tw.lock);
        b->next = tw.free;
        tw.free = b;
        tw.queued--;
        tw.written++;
        tw.room++;
        prim_unlock(&tw.lock);
        prim_futex_wake(&tw.room);
        b = next;
    }
    return true;
}

static void *writer(void *arg)
{
    sigset_t all;
    (void)arg;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);     /* never the program's signals */
    wd_tls.in_ward = 1;                         /* zstd's allocations are ward's */
    for (;;) {
        int wake = tw.wake;
        if (drain())
            continue;
        if (tw.stopping)
            break;
        atomic_store(&tw.idle, 1);
        prim_futex_wait(&tw.wake, wake, 100000000L);
        atomic_store(&tw.idle, 0);
        take_idle(true);
    }
    return NULL;
}

/* ---- starting ---- */

static bool load_zstd(char *err, size_t errlen)
{
    static const char *const names[] = { "ZSTD_createCCtx", "ZSTD_compressCCtx",
                                         "ZSTD_isError", "ZSTD_compressBound" };
    void *fns[4];
    if (!deps_load("libzstd.so.1", names, fns, 4, err, errlen))
        return false;
    tw.create = (ZSTD_CCtx *(*)(void))fns[0];
    tw.compress = fns[1];
    tw.is_error = fns[2];
    size_t (*bound)(size_t) = fns[3];
    tw.out_cap = bound(TR_CHUNK_MAX + 64);
    tw.out = imem_alloc(tw.out_cap);
    tw.cctx = tw.create();
    return tw.out && tw.cctx;
}

/* The file is created when there is a first chunk to write, or at exec
 * (see trace_before_exec). With %p in the name, a later image of the same
 * process (after exec) takes the next free ".N". */
static void expand(char *path, size_t n, unsigned generation)
{
    fmt_t f;
    fmt_init(&f, path, n, -1);
    for (const char *s = wd_opt.trace; *s; s++) {
        if (s[0] == '%' && s[1] == 'p') {
            fmt_u64(&f, (uint64_t)prim_getpid());
            if (generation) {
                fmt_char(&f, '.');
                fmt_u64(&f, generation);
            }
            s++;
        } else {
            fmt_char(&f, *s);
        }
    }
    fmt_cstr(&f);
}

static bool create_file(char *err, size_t errlen)
{
    char path[WD_OPT_STR_MAX + 64];
    bool per_pid = strstr(wd_opt.trace, "%p") != NULL;
    for (unsigned gen = 0; gen < (per_pid ? 100u : 1u); gen++) {
        expand(path, sizeof path, gen);
        tw.fd = prim_open_excl(path);
        if (tw.fd >= 0 || errno != EEXIST)
            break;
    }
    if (tw.fd >= 0 && prim_fd_id(tw.fd, &tw.file))
        return true;
    fmt_t f;
    fmt_init(&f, err, errlen, -1);
    fmt_str(&f, "ward: cannot create trace file '");
    fmt_str(&f, path);
    fmt_str(&f, "': ");
    fmt_str(&f, strerror(errno));
    fmt_str(&f, errno == EEXIST ? " (ward never overwrites a file; remove it, or put %p "
                                  "in the name for one file per process)" : "");
    fmt_cstr(&f);
    return false;
}

/* Checked at start, so that a bad path is said at once. */
static bool check_dir(char *err, size_t errlen)
{
    char path[WD_OPT_STR_MAX + 64];
    expand(path, sizeof path, 0);
    char *slash = strrchr(path, '/');
    if (slash == path)
        slash[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(path, ".");
    if (access(path, W_OK | X_OK) == 0)
        return true;
    fmt_t f;
    fmt_init(&f, err, errlen, -1);
    fmt_str(&f, "ward: cannot write a trace in '");
    fmt_str(&f, path);
    fmt_str(&f, "': ");
    fmt_str(&f, strerror(errno));
    fmt_cstr(&f);
    return false;
}

static void header(void)
{
    char exe[1024] = "", cmd[TR_MAX_STRING] = "";
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[n > 0 ? n : 0] = '\0';
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t k = fd >= 0 ? read(fd, cmd, sizeof cmd - 1) : 0;
    if (fd >= 0)
        close(fd);
    for (ssize_t i = 0; i + 1 < k; i++)
        if (!cmd[i])
            cmd[i] = ' ';
    cmd[k > 0 ? k : 0] = '\0';
    uint8_t *p = begin(TR_HEADER, 64 + sizeof exe + sizeof cmd);
    if (!p)
        return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    p = varint_put(p, (uint64_t)prim_getpid());
    p = varint_put(p, (uint64_t)getppid());
    p = varint_put(p, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec - now_ts());
    p = varint_put(p, WD_PAGE);
    p = put_str(p, exe, sizeof exe);
    p = put_str(p, cmd, sizeof cmd);
    end(p);
}

static void start_writer(void)
{
    static int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (!create)
        create = dlsym(RTLD_NEXT, "pthread_create");
    /* Per process: a forked child registers again. */
    tw.can_take = membarrier_cmd(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED);
    tw.stopping = false;
    tw.writer_running = create && create(&tw.writer, NULL, writer, NULL) == 0;
}

/* What ward learnt before the trace began (or, in a forked child, what
 * the parent's trace holds): modules, stacks, owners, thread names. */
static void known_so_far(void)
{
    trace_modules();
    stacks_trace_all();
    owners_trace_all();
    uint32_t n = threads_count();
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (t && t->name[0])
            trace_thread_name(t->id, t->name);
    }
}

static void add_pid_to_name(void)
{
    size_t n = strlen(wd_opt.trace);
    if (n + 8 < sizeof wd_opt.trace)
        memcpy(wd_opt.trace + n, ".%p", 4);
}

/* A fixed name belongs to the first process traced with it, and to its
 * later images: it leaves its pid in the environment, and a process it
 * started (system, posix_spawn, a fork that execs) writes PATH.PID, as a
 * forked child does, instead of racing it for PATH. */
#define NAME_OWNER "WARD_TRACE_PID"

static void claim_name(void)
{
    char pid[24];
    fmt_t f;
    if (strstr(wd_opt.trace, "%p"))
        return;
    fmt_init(&f, pid, sizeof pid, -1);
    fmt_u64(&f, (uint64_t)prim_getpid());
    fmt_cstr(&f);
    const char *owner = getenv(NAME_OWNER);
    if (!owner)
        setenv(NAME_OWNER, pid, 1);
    else if (strcmp(owner, pid) != 0)
        add_pid_to_name();
}

bool trace_start(char *err, size_t errlen)
{
    tw.pid = prim_getpid();
    tw.tail = &tw.queue;
    tw.t0 = prim_now_ns();
    tw.tsc_ok = tsc_usable();
    tw.ncpu = prim_ncpu();
    tw.fd = -1;
    claim_name();
    if (!load_zstd(err, errlen) || !check_dir(err, errlen))
        return false;
    trace_on = true;
    header();
    known_so_far();
    tw.own_events = false;          /* only what the program does from now */
    start_writer();
    return true;
}

/* ---- the module map ---- */

/* The build id of a module, from its PT_NOTE segments. */
static size_t build_id(const struct dl_phdr_info *info, const uint8_t **id)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr);
        const uint8_t *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *nh = (const void *)p;
            const uint8_t *name = p + sizeof *nh;
            const uint8_t *desc = name + WD_ALIGN_UP(nh->n_namesz, 4);
            if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
                !memcmp(name, "GNU", 4) && desc + nh->n_descsz <= end) {
                *id = desc;
                return nh->n_descsz;
            }
            p = desc + WD_ALIGN_UP(nh->n_descsz, 4);
        }
    }
    return 0;
}

static int module(struct dl_phdr_info *info, size_t size, void *arg)
{
    char exe[1024];
    const char *path = info->dlpi_name;
    uintptr_t lo = UINTPTR_MAX, hi = 0;
    const uint8_t *id = NULL;
    (void)size;
    (void)arg;
    char *abs = NULL;
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_LOAD) {
            uintptr_t a = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
            lo = a < lo ? a : lo;
            hi = a + info->dlpi_phdr[i].p_memsz > hi ? a + info->dlpi_phdr[i].p_memsz : hi;
        }
    if (!path || !*path) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        path = exe;
    } else if (path[0] != '/' && strchr(path, '/') && hi && (abs = imem_alloc(PATH_MAX)) != NULL &&
               maps_path_at(lo, abs, PATH_MAX)) {
        path = abs;             /* dlopen("./x.so"): the reader runs elsewhere */
    }
    size_t idlen = build_id(info, &id);
    uint8_t *p = begin(TR_MODULE, 64 + strlen(path) + idlen);
    if (!p) {
        imem_free(abs, abs ? PATH_MAX : 0);
        return 1;
    }
    p = put_str(p, path, TR_MAX_STRING);
    imem_free(abs, abs ? PATH_MAX : 0);
    p = varint_put(p, info->dlpi_addr);
    p = varint_put(p, lo);
    p = varint_put(p, hi);
    p = varint_put(p, idlen);
    memcpy(p, id, idlen);
    end(p + idlen);
    return 0;
}

void trace_modules(void)
{
    uint8_t *p = begin(TR_MODULES_RESET, 0);
    if (!p)
        return;
    end(p);
    wd_tls.in_ward++;
    dl_iterate_phdr(module, NULL);
    wd_tls.in_ward--;
}

/* ---- stopping ---- */

/* Only a parked thread's buffer is taken: one still running (signals
 * blocked) may be writing into its own. */
void trace_collect_all(void)
{
    uint32_t n = threads_count();
    for (uint32_t i = threads_next(0); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (t && t != wd_tls.self && t->tbuf && atomic_load(&t->parked))
            queue_buffer(__atomic_exchange_n((struct tbuf **)&t->tbuf, NULL, __ATOMIC_ACQ_REL));
    }
    /* Threads the stop could not park (in sigwait) are not using theirs
     * either, most likely. */
    take_idle(false);
}

static void finish(void)
{
    send_mine();
    trace_on = false;
    if (tw.writer_running) {
        tw.stopping = true;
        tw.wake++;
        prim_futex_wake(&tw.wake);
        pthread_join(tw.writer, NULL);
        tw.writer_running = false;
    }
    drain();                            /* whatever came after */
}

void trace_stop(void)
{
    if (!trace_on)
        return;
    uint8_t *p = begin(TR_END, VARINT_MAX);
    if (p)
        end(varint_put(p, events_so_far()));
    finish();
    close_file();
}

void trace_crash_flush(void)
{
    if (!trace_on)
        return;
    trace_on = false;
    /* No thread is stopped here: take what the others are not using. */
    take_idle(false);
    send_mine();
    /* The writer may be mid-frame; let it finish, then write the rest. */
    for (int i = 0; i < 100 && tw.writer_running && !atomic_load(&tw.idle); i++)
        usleep(10000);
    drain();
}

static bool all_written(uint64_t ticket)
{
    prim_lock(&tw.lock);
    bool done = tw.written >= ticket;
    prim_unlock(&tw.lock);
    return done;
}

/* Sends this thread's buffer and waits until everything queued so far is
 * in the file; what other threads queue meanwhile is not waited for (ten
 * seconds at most: a stuck disk must not hang the program). */
static void write_all_queued(void)
{
    prim_hold();
    send_mine();
    prim_lock(&tw.lock);
    uint64_t ticket = tw.sent;
    prim_unlock(&tw.lock);
    prim_release();
    if (!tw.writer_running) {
        wd_tls.in_ward++;               /* zstd's allocations are ward's */
        drain();
        wd_tls.in_ward--;
        return;
    }
    for (int i = 0; i < 1000 && !all_written(ticket); i++)
        usleep(10000);
}

static off_t exec_mark = -1;        /* where the end record of an exec starts */
static pid_t exec_tid;              /* the thread that wrote it */

/* exec replaces the process image: what is buffered is written, and the
 * trace ends as at exit. The end record is written here, with the file
 * held until the exec: should it fail, trace_exec_failed cuts the record
 * off and lets the writer go on. */
void trace_before_exec(void)
{
    /* Not in a vfork child (it runs on its parent's memory: the trace is
     * the parent's), nor from a signal handler that interrupted ward. An
     * image that has no file yet makes one only if it recorded something
     * of its own and the name has %p (the next image then takes PATH.1):
     * with a fixed name, a shell on its way to the real program leaves
     * the name to it. */
    if (!trace_on || prim_getpid() != tw.pid || prim_holds_locks() ||
        (tw.fd < 0 && (!tw.own_events || !strstr(wd_opt.trace, "%p"))))
        return;
    if (world_try_stop()) {
        trace_collect_all();
        world_resume();
    }
    write_all_queued();
    uint8_t *p = begin(TR_END, VARINT_MAX);
    if (!p)
        return;
    end(varint_put(p, events_so_far()));
    struct tbuf *b = take_mine();
    if (!b)
        return;                         /* a thread past its end sent it */
    prim_lock(&tw.file_lock);
    if (tw.fd >= 0 && (exec_mark = lseek(tw.fd, 0, SEEK_CUR)) >= 0 && write_chunk(b)) {
        exec_tid = prim_gettid();
        b->len = 0;
        queue_buffer(b);                /* back to the free list */
        return;                         /* the file stays held */
    }
    exec_mark = -1;
    prim_unlock(&tw.file_lock);
    b->len = 0;
    queue_buffer(b);
}

/* _exit and quick_exit skip atexit: the trace ends here. A forked child
 * that recorded nothing of its own leaves no file. */
void trace_end_now(void)
{
    if (!trace_on || prim_getpid() != tw.pid || prim_holds_locks() ||
        (tw.fd < 0 && !tw.own_events))
        return;
    if (world_try_stop()) {
        trace_collect_all();
        world_resume();
    }
    wd_tls.in_ward++;
    trace_stop();
    wd_tls.in_ward--;
}

void trace_exec_failed(void)
{
    /* Only the thread whose exec failed takes its end record back (not
     * another thread's failed exec, nor a vfork child's). */
    if (exec_mark < 0 || exec_tid != prim_gettid())
        return;
    if (!prim_fd_is(tw.fd, &tw.file) || ftruncate(tw.fd, exec_mark) != 0 ||
        lseek(tw.fd, exec_mark, SEEK_SET) != exec_mark)
        fail_writing();
    exec_mark = -1;
    prim_unlock(&tw.file_lock);
}

void trace_thread_end(void)
{
    if (!trace_on)
        return;
    uint8_t *p = begin(TR_THREAD_END, 0);
    if (p)
        end(p);
    prim_hold();
    send_mine();
    prim_release();
}

/* In the child only the forking thread is left, and the parent's buffers
 * belong to the parent's file. */
void trace_atfork_child(void)
{
    char err[256];
    if (!trace_on)
        return;
    prim_lock_reset(&tw.lock);
    tw.queue = NULL;
    tw.tail = &tw.queue;
    tw.queued = 0;
    tw.writer_running = false;
    tw.events = 0;
    tw.sent = tw.written = 0;
    tw.own_events = false;
    tw.forked = true;
    tw.pid = prim_getpid();
    prim_lock_reset(&tw.file_lock);
    if (wd_tls.self) {
        wd_tls.self->tbuf = NULL;
        wd_tls.self->tsteal = 0;        /* the parent's writer may have been taking it */
    }
    close_file();
    tw.failed = false;
    if (!strstr(wd_opt.trace, "%p"))
        add_pid_to_name();          /* one file per process */
    (void)err;
    tw.t0 = prim_now_ns();
    wd_tls.ts_tsc = 0;              /* the parent's read is before t0 */
    trace_on = true;
    header();
    known_so_far();
    tw.own_events = false;          /* what was inherited is not its own */
    start_writer();
}

/* ---- events ---- */

void trace_alloc(uintptr_t addr, uint64_t size, uint32_t stack, uint16_t owner, unsigned flags)
{
    uint8_t *p = begin(TR_ALLOC, 5 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, addr);
    p = varint_put(p, size);
    p = varint_put(p, stack);
    p = varint_put(p, owner);
    end(varint_put(p, flags));
}

void trace_free(uintptr_t addr, uint32_t stack, uint64_t size, uint32_t alloc_stack,
                uint16_t owner, uint32_t alloc_coro)
{
    uint8_t *p = begin(TR_FREE, 6 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, addr);
    p = varint_put(p, stack);
    p = varint_put(p, size);
    p = varint_put(p, alloc_stack);
    p = varint_put(p, owner);
    end(varint_put(p, alloc_coro));
}

void trace_realloc(uintptr_t old, uintptr_t new_addr, uint64_t size, uint32_t stack,
                   uint16_t owner, uint64_t old_size, uint32_t old_stack, uint32_t old_coro)
{
    uint8_t *p = begin(TR_REALLOC, 8 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, old);
    p = varint_put(p, new_addr);
    p = varint_put(p, size);
    p = varint_put(p, stack);
    p = varint_put(p, owner);
    p = varint_put(p, old_size);
    p = varint_put(p, old_stack);
    end(varint_put(p, old_coro));
}

void trace_pin(uintptr_t addr, uint32_t stack)
{
    uint8_t *p = begin(TR_PIN, 2 * VARINT_MAX);
    if (p)
        end(varint_put(varint_put(p, addr), stack));
}

void trace_unpin(uintptr_t addr)
{
    uint8_t *p = begin(TR_UNPIN, VARINT_MAX);
    if (p)
        end(varint_put(p, addr));
}

void trace_owner_push(uint16_t owner)
{
    uint8_t *p = begin(TR_OWNER_PUSH, VARINT_MAX);
    if (p)
        end(varint_put(p, owner));
}

void trace_owner_pop(void)
{
    uint8_t *p = begin(TR_OWNER_POP, 0);
    if (p)
        end(p);
}

void trace_owner_set(uintptr_t addr, uint64_t size, uint16_t from, uint16_t to)
{
    uint8_t *p = begin(TR_OWNER_SET, 4 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, addr);
    p = varint_put(p, size);
    p = varint_put(p, from);
    end(varint_put(p, to));
}

void trace_owner_def(uint16_t id, const char *name)
{
    uint8_t *p = begin(TR_OWNER, 2 * VARINT_MAX + TR_MAX_STRING);
    if (p)
        end(put_str(varint_put(p, id), name, TR_MAX_STRING));
}

/* A new stack may come from a library loaded since the map was written.
 * (dlopen itself is not interposed: glibc resolves its RUNPATH from the
 * caller, which must stay the program.) */
static void check_modules(void)
{
    static unsigned long long seen;
    unsigned long long now = prim_dl_changes();
    if (now != seen) {
        seen = now;
        trace_modules();
    }
}

void trace_stack_def(uint32_t id, const uintptr_t *pcs, unsigned n)
{
    if (trace_on)
        check_modules();
    uint8_t *p = begin(TR_STACK, (2 + n) * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, id);
    p = varint_put(p, n);
    uintptr_t prev = 0;
    for (unsigned i = 0; i < n; i++) {
        p = varint_put(p, i ? zigzag((int64_t)(pcs[i] - prev)) : pcs[i]);
        prev = pcs[i];
    }
    end(p);
}

void trace_thread_start(uint32_t parent, uint32_t create_stack)
{
    uint8_t *p = begin(TR_THREAD_START, 2 * VARINT_MAX);
    if (p)
        end(varint_put(varint_put(p, parent == THREAD_NONE ? 0 : parent + 1u), create_stack));
}

void trace_thread_name(uint32_t thread, const char *name)
{
    uint8_t *p = begin(TR_THREAD_NAME, 2 * VARINT_MAX + 32);
    if (p)
        end(put_str(varint_put(p, thread), name, 32));
}

void trace_coro_create(uint32_t coro, uintptr_t stack_lo, uint64_t size, uint32_t make_stack)
{
    uint8_t *p = begin(TR_CORO_CREATE, 4 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, coro);
    p = varint_put(p, stack_lo);
    p = varint_put(p, size);
    end(varint_put(p, make_stack));
}

void trace_coro_switch(uint32_t to, uint32_t yield_stack)
{
    uint8_t *p = begin(TR_CORO_SWITCH, 2 * VARINT_MAX);
    if (p)
        end(varint_put(varint_put(p, to), yield_stack));
}

void trace_coro_name(uint32_t coro, const char *name)
{
    uint8_t *p = begin(TR_CORO_NAME, 2 * VARINT_MAX + 32);
    if (p)
        end(put_str(varint_put(p, coro), name, 32));
}

void trace_coro_exit(uint32_t coro, int64_t live_bytes, int64_t live_blocks)
{
    uint8_t *p = begin(TR_CORO_EXIT, 3 * VARINT_MAX);
    if (!p)
        return;
    p = varint_put(p, coro);
    p = varint_put(p, zigzag(live_bytes));
    end(varint_put(p, zigzag(live_blocks)));
}

static uint8_t *put_ctx(uint8_t *p, const struct rt_ctx *c)
{
    p = varint_put(p, c->known ? c->thread + 1u : 0);
    return varint_put(p, c->coro);
}

void trace_error(const struct rt_report *r)
{
    uint8_t *p = begin(TR_ERROR, 40 * VARINT_MAX + 5 * (TR_MAX_STRING / 4));
    if (!p)
        return;
    p = varint_put(p, r->kind);
    p = varint_put(p, r->warning);
    p = varint_put(p, r->addr);
    p = put_str(p, r->op, TR_MAX_STRING / 4);
    p = varint_put(p, r->op_stack);
    p = put_ctx(p, &r->op_ctx);
    p = put_str(p, r->where, TR_MAX_STRING / 4);
    p = put_str(p, r->note, TR_MAX_STRING / 4);
    p = varint_put(p, r->note_stack);
    p = varint_put(p, r->alloc_stack);
    p = put_ctx(p, &r->alloc_ctx);
    p = put_str(p, r->also, TR_MAX_STRING / 4);
    p = varint_put(p, r->also_stack);
    p = varint_put(p, r->free_stack);
    p = put_ctx(p, &r->free_ctx);
    p = varint_put(p, r->block);
    p = varint_put(p, r->size);
    p = varint_put(p, r->owner);
    p = varint_put(p, r->leak_bytes);
    p = varint_put(p, r->leak_blocks);
    end(varint_put(p, (unsigned)r->indirect | (unsigned)r->many_threads << 1 |
                          (unsigned)r->many_coros << 2));
}
