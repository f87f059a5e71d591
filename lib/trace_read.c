/* The trace reader (see trace_read.h). Every length and id read from the
 * file is checked before use: the reader is fuzzed. */
#define _GNU_SOURCE
#include "trace_read.h"
#include "symbols.h"
#include "varint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define MAX_THREAD  TR_MAX_THREAD
#define MAX_CORO    TR_MAX_CORO
#define MAX_STACKID (1u << 23)
#define MAX_OWNER   65536
#define CHUNK_CAP   (TR_CHUNK_MAX + 64)

/* ---- memory for what the trace defines: blocks that live until close ---- */

struct tr_mem {
    struct tr_mem *next;
    size_t used, cap;
    uint8_t data[];
};

static void *mem_alloc(struct tr_trace *t, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (!t->mem || t->mem->used + n > t->mem->cap) {
        size_t cap = n > (1u << 20) ? n : (1u << 20);
        struct tr_mem *m = malloc(sizeof *m + cap);
        if (!m)
            return NULL;
        m->next = t->mem;
        m->used = 0;
        m->cap = cap;
        t->mem = m;
    }
    void *p = t->mem->data + t->mem->used;
    t->mem->used += n;
    return p;
}

static const char *mem_str(struct tr_trace *t, const uint8_t *s, size_t n)
{
    char *c = mem_alloc(t, n + 1);
    if (c) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

#define MAX_NAMES 4096              /* renamings kept per thread or coroutine */

/* Keeps a name given at ts, and which is the last given. */
static bool give_name(struct tr_name **names, uint32_t *n, const char **last,
                      uint64_t *last_ts, uint64_t ts, const char *name)
{
    if (!name)
        return false;
    if (!*last || ts >= *last_ts) {
        *last = name;
        *last_ts = ts;
    }
    if (*n >= MAX_NAMES)
        return true;
    if ((*n & (*n - 1)) == 0) {         /* 0, 1, 2, 4...: grow */
        struct tr_name *a = realloc(*names, (size_t)(*n ? *n * 2 : 1) * sizeof *a);
        if (!a)
            return false;
        *names = a;
    }
    (*names)[(*n)++] = (struct tr_name){ ts, name };
    return true;
}

/* The name given last at or before ts, or NULL. */
static const char *name_at(const struct tr_name *names, uint32_t n, uint64_t ts)
{
    const char *name = NULL;
    uint64_t best = 0;
    for (uint32_t i = 0; i < n; i++)
        if (names[i].ts <= ts && (!name || names[i].ts >= best)) {
            name = names[i].name;
            best = names[i].ts;
        }
    return name;
}

/* Grows *arr (of elem bytes each) to hold index i; false on a bad index. */
static bool fit(void **arr, uint32_t *n, uint32_t i, size_t elem, uint32_t max)
{
    if (i >= max)
        return false;
    if (i < *n)
        return true;
    uint32_t cap = *n ? *n : 16;
    while (cap <= i)
        cap *= 2;
    if (cap > max)
        cap = max;
    void *a = realloc(*arr, (size_t)cap * elem);
    if (!a)
        return false;
    memset((char *)a + (size_t)*n * elem, 0, (size_t)(cap - *n) * elem);
    *arr = a;
    *n = cap;
    return true;
}

/* ---- records ---- */

/* A string: points into the chunk; *n its length. */
static const uint8_t *get_str(struct varint_cursor *c, size_t *n)
{
    uint64_t len = vget(c);
    if (c->bad || len > TR_MAX_STRING || len > (uint64_t)(c->end - c->p)) {
        c->bad = true;
        *n = 0;
        return (const uint8_t *)"";
    }
    const uint8_t *s = c->p;
    c->p += len;
    *n = (size_t)len;
    return s;
}

static struct rt_ctx get_ctx(struct varint_cursor *c)
{
    struct rt_ctx x = { 0 };
    uint32_t thread = vget32(c);
    x.known = thread != 0;
    x.thread = thread ? thread - 1 : 0;
    x.coro = vget32(c);
    return x;
}

/* The strings of an error record, pointing into its chunk. */
struct err_strs {
    const uint8_t *op, *where, *note, *also;
    size_t nop, nwhere, nnote, nalso;
};

static void get_error(struct varint_cursor *c, struct rt_report *e, struct err_strs *s)
{
    memset(e, 0, sizeof *e);
    e->kind = vget32(c);
    e->warning = vget(c) != 0;
    e->addr = vget(c);
    s->op = get_str(c, &s->nop);
    e->op_stack = vget32(c);
    e->op_ctx = get_ctx(c);
    s->where = get_str(c, &s->nwhere);
    s->note = get_str(c, &s->nnote);
    e->note_stack = vget32(c);
    e->alloc_stack = vget32(c);
    e->alloc_ctx = get_ctx(c);
    s->also = get_str(c, &s->nalso);
    e->also_stack = vget32(c);
    e->free_stack = vget32(c);
    e->free_ctx = get_ctx(c);
    e->block = vget(c);
    e->size = vget(c);
    e->owner = vget32(c);
    e->leak_bytes = vget(c);
    e->leak_blocks = vget(c);
    uint64_t bits = vget(c);
    e->indirect = bits & 1;
    e->many_threads = (bits & 2) != 0;
    e->many_coros = (bits & 4) != 0;
    if (e->kind > 10)
        c->bad = true;
}

/* Decodes one record's fields into ev (type and ts already set). Strings
 * are left pointing into the chunk (ev->str with its length in ev->n1 for
 * names). Returns false when the record is malformed. */
static bool decode(struct varint_cursor *c, struct tr_event *ev, struct tr_error *err,
                   struct err_strs *es)
{
    size_t n;
    switch (ev->type) {
    case TR_HEADER:
    case TR_STACK:
    case TR_MODULE:
    case TR_OWNER:
        return true;                    /* definitions: read when opening */
    case TR_END:
        ev->n1 = (int64_t)vget(c);
        break;
    case TR_MODULES_RESET:
    case TR_OWNER_POP:
    case TR_THREAD_END:
        break;
    case TR_ALLOC:
        ev->addr = vget(c);
        ev->size = vget(c);
        ev->stack = vget32(c);
        ev->owner = vget32(c);
        ev->flags = vget32(c);
        break;
    case TR_FREE:
        ev->addr = vget(c);
        ev->stack = vget32(c);
        ev->size = vget(c);
        ev->stack2 = vget32(c);
        ev->owner = vget32(c);
        ev->coro2 = vget32(c);
        break;
    case TR_REALLOC:
        ev->addr = vget(c);
        ev->addr2 = vget(c);
        ev->size = vget(c);
        ev->stack = vget32(c);
        ev->owner = vget32(c);
        ev->size2 = vget(c);
        ev->stack2 = vget32(c);
        ev->coro2 = vget32(c);
        break;
    case TR_PIN:
        ev->addr = vget(c);
        ev->stack = vget32(c);
        break;
    case TR_UNPIN:
        ev->addr = vget(c);
        break;
    case TR_OWNER_PUSH:
        ev->owner = vget32(c);
        break;
    case TR_OWNER_SET:
        ev->addr = vget(c);
        ev->size = vget(c);
        ev->owner = vget32(c);
        ev->owner2 = vget32(c);
        break;
    case TR_THREAD_START:
        ev->n1 = (int64_t)vget32(c);     /* parent + 1 */
        ev->stack = vget32(c);
        break;
    case TR_THREAD_NAME:
        ev->n2 = vget32(c);              /* the thread named */
        ev->str = (const char *)get_str(c, &n);
        ev->n1 = (int64_t)n;
        break;
    case TR_CORO_CREATE:
        ev->coro2 = vget32(c);
        ev->addr = vget(c);
        ev->size = vget(c);
        ev->stack = vget32(c);
        break;
    case TR_CORO_SWITCH:
        ev->coro2 = vget32(c);
        ev->stack = vget32(c);
        break;
    case TR_CORO_NAME:
        ev->coro2 = vget32(c);
        ev->str = (const char *)get_str(c, &n);
        ev->n1 = (int64_t)n;
        break;
    case TR_CORO_EXIT:
        ev->coro2 = vget32(c);
        ev->n1 = unzigzag(vget(c));
        ev->n2 = unzigzag(vget(c));
        break;
    case TR_ERROR:
        get_error(c, &err->r, es);
        ev->err = err;
        break;
    default:
        return false;
    }
    return !c->bad;
}

/* ---- chunks ---- */

struct chunk_head {
    uint32_t thread;
    uint64_t seq, base_ts;
    const uint8_t *records, *end;
};

static ZSTD_DCtx *dctx;

/* Decompresses the frame at off into buf; returns the record range, or
 * an error message. */
static const char *open_chunk(const struct tr_trace *t, uint64_t off, uint64_t csize,
                              uint8_t *buf, struct chunk_head *h)
{
    if (!dctx && !(dctx = ZSTD_createDCtx()))
        return "out of memory";
    unsigned long long n = ZSTD_getFrameContentSize(t->data + off, csize);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > CHUNK_CAP)
        return "a frame is not a ward chunk (bad size)";
    size_t got = ZSTD_decompressDCtx(dctx, buf, CHUNK_CAP, t->data + off, csize);
    if (ZSTD_isError(got) || got != n)
        return "a frame does not decompress";
    struct varint_cursor c = { buf, buf + got, false };
    if (got < 5 || memcmp(buf, TR_MAGIC, 4) != 0)
        return "not a ward trace (no WTRC chunk magic)";
    if (buf[4] != TR_VERSION)
        return "the trace is of another version of ward";
    c.p += 5;
    h->thread = vget32(&c);
    h->seq = vget(&c);
    if (c.bad || c.end - c.p < 8)
        return "a chunk header is cut short";
    memcpy(&h->base_ts, c.p, 8);
    c.p += 8;
    uint64_t len = vget(&c);
    if (c.bad || len != (uint64_t)(c.end - c.p) || h->thread >= MAX_THREAD)
        return "a chunk header is malformed";
    h->records = c.p;
    h->end = c.end;
    return NULL;
}

/* ---- opening: the definitions pass ---- */

static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return false;
}

static bool define(struct tr_trace *t, struct varint_cursor *c, uint8_t type, uint64_t ts)
{
    size_t n, n2;
    const uint8_t *s, *s2;
    switch (type) {
    case TR_HEADER:
        t->pid = vget(c);
        t->ppid = vget(c);
        t->realtime0 = vget(c);
        (void)vget(c);                   /* page size */
        s = get_str(c, &n);
        s2 = get_str(c, &n2);
        if (c->bad)
            return false;
        t->program = mem_str(t, s, n);
        t->cmdline = mem_str(t, s2, n2);
        return true;
    case TR_STACK: {
        uint32_t id = vget32(c), k = vget32(c);
        if (c->bad || k == 0 || k > TR_MAX_FRAMES ||
            !fit((void **)&t->stacks, &t->nstacks, id, sizeof *t->stacks, MAX_STACKID))
            return false;
        uint64_t *f = mem_alloc(t, k * sizeof *f);
        if (!f)
            return false;
        for (uint32_t i = 0; i < k; i++)
            f[i] = i ? f[i - 1] + (uint64_t)unzigzag(vget(c)) : vget(c);
        t->stacks[id].n = k;
        t->stacks[id].frames = f;
        return !c->bad;
    }
    case TR_OWNER: {
        uint32_t id = vget32(c);
        s = get_str(c, &n);
        if (c->bad || !fit((void **)&t->owners, &t->nowners, id, sizeof *t->owners, MAX_OWNER))
            return false;
        t->owners[id] = mem_str(t, s, n);
        return true;
    }
    case TR_MODULE: {
        s = get_str(c, &n);
        struct tr_module m = { 0 };
        m.bias = vget(c);
        m.lo = vget(c);
        m.hi = vget(c);
        m.build_id = get_str(c, &n2);
        if (c->bad || n2 > 64)
            return false;
        m.build_id_len = (uint32_t)n2;
        m.build_id = (const uint8_t *)mem_str(t, m.build_id, n2);
        m.path = mem_str(t, s, n);
        m.ts = ts;
        m.map = t->nmaps ? t->nmaps - 1 : 0;
        uint32_t i = t->nmodules;
        struct tr_module *a = realloc(t->modules, (i + 1) * sizeof *a);
        if (!a)
            return false;
        a[i] = m;
        t->modules = a;
        t->nmodules = i + 1;
        return true;
    }
    }
    return true;
}

static bool copy_error(struct tr_trace *t, const struct tr_error *e, const struct err_strs *s,
                       uint64_t ts, uint32_t thread, uint32_t coro)
{
    if ((t->nerrors & (t->nerrors + 1)) == 0 || t->nerrors == 0) {
        struct tr_error *a = realloc(t->errors, (size_t)(t->nerrors * 2 + 1) * sizeof *a);
        if (!a)
            return false;
        t->errors = a;
    }
    struct tr_error *x = &t->errors[t->nerrors++];
    *x = *e;
    x->ts = ts;
    x->thread = thread;
    x->coro = coro;
    x->r.op = mem_str(t, s->op, s->nop);
    x->r.where = mem_str(t, s->where, s->nwhere);
    x->r.note = mem_str(t, s->note, s->nnote);
    x->r.also = mem_str(t, s->also, s->nalso);
    return x->r.op && x->r.where && x->r.note && x->r.also;
}

/* What the thread and coroutine records say about who is who. */
static bool learn(struct tr_trace *t, const struct tr_event *ev)
{
    switch (ev->type) {
    case TR_THREAD_START: {
        if (!fit((void **)&t->threads, &t->nthreads, ev->thread, sizeof *t->threads, MAX_THREAD))
            return false;
        struct tr_thread *th = &t->threads[ev->thread];
        th->parent = (uint32_t)ev->n1;
        th->create_stack = ev->stack;
        th->start_ts = ev->ts;
        th->seen = true;
        return true;
    }
    case TR_THREAD_NAME: {
        if (!fit((void **)&t->threads, &t->nthreads, (uint32_t)ev->n2, sizeof *t->threads,
                 MAX_THREAD))
            return false;
        struct tr_thread *th = &t->threads[ev->n2];
        th->seen = true;
        return give_name(&th->names, &th->nnames, &th->name, &th->name_ts, ev->ts,
                         mem_str(t, (const uint8_t *)ev->str, (size_t)ev->n1));
    }
    case TR_THREAD_END:
        if (ev->thread < t->nthreads)
            t->threads[ev->thread].end_ts = ev->ts;
        return true;
    case TR_CORO_CREATE:
        if (!fit((void **)&t->coros, &t->ncoros, ev->coro2, sizeof *t->coros, MAX_CORO))
            return false;
        t->coros[ev->coro2].thread = ev->thread;
        t->coros[ev->coro2].stack_lo = ev->addr;
        t->coros[ev->coro2].stack_size = ev->size;
        t->coros[ev->coro2].make_stack = ev->stack;
        t->coros[ev->coro2].seen = true;
        return true;
    case TR_CORO_NAME: {
        if (!fit((void **)&t->coros, &t->ncoros, ev->coro2, sizeof *t->coros, MAX_CORO))
            return false;
        struct tr_coro *co = &t->coros[ev->coro2];
        return give_name(&co->names, &co->nnames, &co->name, &co->name_ts, ev->ts,
                         mem_str(t, (const uint8_t *)ev->str, (size_t)ev->n1));
    }
    case TR_END:
        t->ended = true;
        return true;
    }
    return true;
}

static bool add_chunk(struct tr_trace *t, const struct tr_chunk *ck)
{
    if ((t->nchunks & (t->nchunks + 1)) == 0 || t->nchunks == 0) {
        struct tr_chunk *a = realloc(t->chunks, (size_t)(t->nchunks * 2 + 1) * sizeof *a);
        if (!a)
            return false;
        t->chunks = a;
    }
    t->chunks[t->nchunks++] = *ck;
    return true;
}

static int by_thread_seq(const void *a, const void *b)
{
    const struct tr_chunk *x = a, *y = b;
    if (x->thread != y->thread)
        return x->thread < y->thread ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Reads one chunk's records: definitions, errors, who is who. */
static const char *scan_chunk(struct tr_trace *t, const struct chunk_head *h,
                              struct tr_chunk *ck, uint32_t *coro_of_thread)
{
    struct varint_cursor c = { h->records, h->end, false };
    uint64_t ts = h->base_ts;
    uint32_t coro = *coro_of_thread;
    ck->start_coro = coro;
    while (c.p < c.end) {
        struct tr_event ev = { 0 };
        struct tr_error err;
        struct err_strs es;
        ev.type = *c.p++;
        ts += vget(&c);
        ev.ts = ts;
        ev.thread = h->thread;
        ev.coro = coro;
        if (c.bad || ev.type == 0 || ev.type >= TR_TYPE_COUNT)
            return "a record has an unknown type";
        if (!define(t, &c, ev.type, ts) || !decode(&c, &ev, &err, &es))
            return "a record is malformed";
        if (!learn(t, &ev))
            return "a record names an impossible thread or coroutine";
        if (ev.type == TR_CORO_SWITCH)
            coro = ev.coro2;
        if (ev.type == TR_MODULES_RESET)
            t->nmaps++;
        if (ev.type == TR_ERROR && !copy_error(t, &err, &es, ts, h->thread, coro))
            return "out of memory";
        ck->events++;
    }
    ck->last_ts = ts;
    *coro_of_thread = coro;
    if (ts > t->duration)
        t->duration = ts;
    t->events += ck->events;
    return NULL;
}

static int read_all(struct tr_trace *t, char *err, size_t errlen)
{
    uint8_t *buf = malloc(CHUNK_CAP);
    uint32_t *coro = NULL, ncoro = 0;
    uint64_t off = 0;
    int rc = 0;
    if (!buf)
        return fail(err, errlen, "ward: out of memory reading the trace") ? 0 : -1;
    while (off < t->size) {
        size_t csize = ZSTD_findFrameCompressedSize(t->data + off, t->size - off);
        struct chunk_head h;
        static const uint8_t zstd_magic[4] = { 0x28, 0xb5, 0x2f, 0xfd };
        /* A zstd frame that stops early is a trace cut short (even its
         * first frame); anything else where a frame should be is not ours. */
        bool cut = ZSTD_isError(csize) && t->size - off >= 4 &&
                   memcmp(t->data + off, zstd_magic, 4) == 0;
        const char *why = cut ? "its last frame is incomplete"
                        : ZSTD_isError(csize) ? "it is not a sequence of zstd frames"
                        : open_chunk(t, off, csize, buf, &h);
        if (why && off == 0 && !cut) {
            fail(err, errlen, "ward: the file is not a readable ward trace: %s", why);
            rc = -1;
            break;
        }
        if (why) {
            t->truncated = true;
            snprintf(t->why, sizeof t->why, "the trace is cut short at byte %llu of %zu (%s); "
                     "read up to there", (unsigned long long)off, t->size, why);
            break;
        }
        struct tr_chunk ck = { off, csize, h.thread, h.seq, h.base_ts, h.base_ts, 0, 0 };
        if (!fit((void **)&coro, &ncoro, h.thread, sizeof *coro, MAX_THREAD) ||
            (why = scan_chunk(t, &h, &ck, &coro[h.thread])) != NULL) {
            fail(err, errlen, "ward: the trace is corrupt at byte %llu: %s",
                 (unsigned long long)off, why ? why : "too many threads");
            rc = -1;
            break;
        }
        if (!add_chunk(t, &ck)) {
            fail(err, errlen, "ward: out of memory reading the trace");
            rc = -1;
            break;
        }
        off += csize;
    }
    free(buf);
    free(coro);
    if (rc == 0 && !t->truncated && !t->ended) {
        t->truncated = true;
        snprintf(t->why, sizeof t->why, "the trace has no end record: the process was killed, "
                 "crashed or is still running; read up to its last complete frame");
    }
    if (rc == 0 && t->nchunks)
        qsort(t->chunks, t->nchunks, sizeof *t->chunks, by_thread_seq);
    return rc;
}

int tr_open_mem(struct tr_trace *t, const void *data, size_t size, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->data = data;
    t->size = size;
    if (size == 0) {
        fail(err, errlen, "ward: the trace is empty (the process wrote nothing yet)");
        return -1;
    }
    if (read_all(t, err, errlen) < 0) {
        tr_close(t);
        return -1;
    }
    return 0;
}

int tr_open(struct tr_trace *t, const char *path, char *err, size_t errlen)
{
    struct stat st;
    /* Non-blocking, so that a FIFO nobody writes is refused, not waited on. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    memset(t, 0, sizeof *t);
    if (fd < 0 || fstat(fd, &st) != 0) {
        fail(err, errlen, "ward: cannot read trace '%s': %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        fail(err, errlen, "ward: cannot read trace '%s': %s", path,
             S_ISDIR(st.st_mode) ? "it is a directory" :
             S_ISFIFO(st.st_mode) ? "it is a pipe (save the trace to a file first)"
                                  : "it is not a regular file");
        close(fd);
        return -1;
    }
    void *p = st.st_size ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (st.st_size && p == MAP_FAILED) {
        fail(err, errlen, "ward: cannot map trace '%s': %s", path, strerror(errno));
        return -1;
    }
    if (tr_open_mem(t, p, (size_t)st.st_size, err, errlen) < 0) {
        if (p)
            munmap(p, (size_t)st.st_size);
        return -1;
    }
    t->mapped = p != NULL;
    return 0;
}

void tr_close(struct tr_trace *t)
{
    while (t->mem) {
        struct tr_mem *next = t->mem->next;
        free(t->mem);
        t->mem = next;
    }
    free(t->stacks);
    free(t->owners);
    for (uint32_t i = 0; i < t->nthreads; i++)
        free(t->threads[i].names);
    free(t->threads);
    for (uint32_t i = 0; i < t->ncoros; i++)
        free(t->coros[i].names);
    free(t->coros);
    free(t->modules);
    free(t->errors);
    free(t->chunks);
    if (t->mapped)
        munmap((void *)t->data, t->size);
    memset(t, 0, sizeof *t);
}

/* ---- names ---- */

const char *tr_owner_name(const struct tr_trace *t, uint32_t id)
{
    return id < t->nowners && t->owners[id] ? t->owners[id] : "?";
}

const char *tr_thread_name(const struct tr_trace *t, uint32_t thread)
{
    if (thread < t->nthreads && t->threads[thread].name && t->threads[thread].name[0])
        return t->threads[thread].name;
    return thread == 0 ? "main" : NULL;
}

const char *tr_coro_name(const struct tr_trace *t, uint32_t coro)
{
    return coro < t->ncoros && t->coros[coro].name && t->coros[coro].name[0]
               ? t->coros[coro].name : NULL;
}

/* Names as they were at ts, as the report printed at ts had them. */
static void ctx_names(const struct tr_trace *t, uint64_t ts, struct rt_ctx *c)
{
    if (!c->known)
        return;
    c->thread_name = c->thread < t->nthreads
                         ? name_at(t->threads[c->thread].names, t->threads[c->thread].nnames, ts)
                         : NULL;
    if (!c->thread_name || !c->thread_name[0])
        c->thread_name = c->thread == 0 ? "main" : NULL;
    c->coro_name = c->coro && c->coro < t->ncoros
                       ? name_at(t->coros[c->coro].names, t->coros[c->coro].nnames, ts)
                       : NULL;
    if (c->coro_name && !c->coro_name[0])
        c->coro_name = NULL;
}

void tr_error_names(const struct tr_trace *t, uint64_t ts, struct rt_report *r)
{
    ctx_names(t, ts, &r->op_ctx);
    ctx_names(t, ts, &r->alloc_ctx);
    ctx_names(t, ts, &r->free_ctx);
    r->owner_name = tr_owner_name(t, r->owner);
}

static struct sym_module as_sym_module(const struct tr_module *m)
{
    return (struct sym_module){ m->path, m->bias, m->lo, m->hi };
}

uint32_t tr_modules_at(const struct tr_trace *t, uint64_t ts, struct sym_module *out,
                       uint32_t max)
{
    /* The last map begun at or before ts (the first map if none was). */
    uint32_t n = 0, map = 0;
    for (uint32_t i = 0; i < t->nmodules; i++)
        if (t->modules[i].ts <= ts && t->modules[i].map > map)
            map = t->modules[i].map;
    for (uint32_t i = 0; i < t->nmodules && n < max; i++) {
        if (t->modules[i].map == map)
            out[n++] = as_sym_module(&t->modules[i]);
    }
    return n;
}

static bool overlaps(const struct sym_module *a, uint32_t n, const struct tr_module *m)
{
    for (uint32_t i = 0; i < n; i++)
        if (m->lo < a[i].hi && a[i].lo < m->hi)
            return true;
    return false;
}

uint32_t tr_modules_ever(const struct tr_trace *t, uint64_t ts, struct sym_module *out,
                         uint32_t max)
{
    uint32_t n = tr_modules_at(t, ts, out, max);
    for (uint32_t i = t->nmodules; i-- > 0 && n < max;) {
        /* Not the same module again, nor one something replaced. */
        if (!overlaps(out, n, &t->modules[i]))
            out[n++] = as_sym_module(&t->modules[i]);
    }
    return n;
}

/* ---- iterating in time order ---- */

struct stream {
    uint32_t first, last, next;     /* the thread's chunks [first, last] */
    uint8_t *buf;
    struct varint_cursor c;
    const uint8_t *records;         /* of the chunk open in buf */
    uint64_t ts;
    uint32_t coro;
    uint32_t thread;
    bool     queued;                /* its event waits in the heap */
    struct tr_spos at;              /* where its waiting event's record starts */
    struct tr_event ev;
    struct tr_error err;
    char name[TR_MAX_STRING + 1];
    char op[TR_MAX_STRING + 1], where[TR_MAX_STRING + 1];
    char note[TR_MAX_STRING + 1], also[TR_MAX_STRING + 1];
};

struct tr_iter {
    const struct tr_trace *t;
    struct stream *s;
    uint32_t ns;
    uint32_t *heap;                 /* streams with an event waiting, by its time */
    uint32_t nheap;
    bool     taken;                 /* the top's event was handed out */
};

/* Definitions were read when opening: iteration steps over them. */
static bool skip_definition(struct varint_cursor *c, uint8_t type)
{
    size_t n;
    switch (type) {
    case TR_HEADER:
        vget(c), vget(c), vget(c), vget(c);
        get_str(c, &n);
        get_str(c, &n);
        break;
    case TR_STACK: {
        vget(c);
        uint64_t k = vget(c);
        if (k > TR_MAX_FRAMES)
            return false;
        for (uint64_t i = 0; i < k; i++)
            vget(c);
        break;
    }
    case TR_OWNER:
        vget(c);
        get_str(c, &n);
        break;
    case TR_MODULE:
        get_str(c, &n);
        vget(c), vget(c), vget(c);
        get_str(c, &n);
        break;
    }
    return !c->bad;
}

static void copy_c(char *dst, const uint8_t *s, size_t n)
{
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Loads the stream's next event into s->ev; false at its end (or at a
 * record that cannot be read, which opening has already reported). */
static bool advance(const struct tr_trace *t, struct stream *s)
{
    for (;;) {
        while (s->c.p && s->c.p < s->c.end) {
            struct tr_event *ev = &s->ev;
            struct err_strs es;
            /* Where this record starts, should the iterator be told. */
            s->at = (struct tr_spos){ s->next - 1, (uint32_t)(s->c.p - s->records), s->ts,
                                      s->coro };
            memset(ev, 0, sizeof *ev);
            ev->type = *s->c.p++;
            s->ts += vget(&s->c);
            ev->ts = s->ts;
            ev->thread = s->thread;
            ev->coro = s->coro;
            if (s->c.bad || ev->type == 0 || ev->type >= TR_TYPE_COUNT)
                return false;
            if (ev->type == TR_HEADER || ev->type == TR_STACK || ev->type == TR_OWNER ||
                ev->type == TR_MODULE) {
                if (!skip_definition(&s->c, ev->type))
                    return false;
                continue;
            }
            if (!decode(&s->c, ev, &s->err, &es))
                return false;
            if (ev->type == TR_ERROR) {
                copy_c(s->op, es.op, es.nop);
                copy_c(s->where, es.where, es.nwhere);
                copy_c(s->note, es.note, es.nnote);
                copy_c(s->also, es.also, es.nalso);
                s->err.r.op = s->op;
                s->err.r.where = s->where;
                s->err.r.note = s->note;
                s->err.r.also = s->also;
                s->err.ts = ev->ts;
                s->err.thread = s->thread;
                s->err.coro = s->coro;
            }
            if (ev->type == TR_THREAD_NAME || ev->type == TR_CORO_NAME) {
                copy_c(s->name, (const uint8_t *)ev->str, (size_t)ev->n1);
                ev->str = s->name;
            }
            if (ev->type == TR_CORO_SWITCH)
                s->coro = ev->coro2;
            return true;
        }
        if (s->next > s->last)
            return false;
        const struct tr_chunk *ck = &t->chunks[s->next++];
        struct chunk_head h;
        if (open_chunk(t, ck->offset, ck->csize, s->buf, &h))
            return false;
        s->c = (struct varint_cursor){ h.records, h.end, false };
        s->records = h.records;
        s->ts = h.base_ts;
        s->coro = ck->start_coro;
    }
}

static bool earlier(const struct tr_iter *it, uint32_t a, uint32_t b)
{
    const struct tr_event *x = &it->s[a].ev, *y = &it->s[b].ev;
    return x->ts != y->ts ? x->ts < y->ts : it->s[a].thread < it->s[b].thread;
}

static void sift_down(struct tr_iter *it, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < it->nheap && earlier(it, it->heap[l], it->heap[m]))
            m = l;
        if (r < it->nheap && earlier(it, it->heap[r], it->heap[m]))
            m = r;
        if (m == i)
            return;
        uint32_t tmp = it->heap[i];
        it->heap[i] = it->heap[m];
        it->heap[m] = tmp;
        i = m;
    }
}

/* The first chunk of a thread worth opening to reach from_ts. */
static uint32_t first_chunk(const struct tr_trace *t, uint32_t lo, uint32_t hi, uint64_t from)
{
    while (lo < hi && t->chunks[lo].last_ts < from)
        lo++;
    return lo;
}

/* An iterator with one stream per thread, each over its chunks but not
 * started. */
static struct tr_iter *iter_alloc(const struct tr_trace *t)
{
    struct tr_iter *it = calloc(1, sizeof *it);
    if (!it)
        return NULL;
    it->t = t;
    for (uint32_t i = 0; i < t->nchunks; i++)
        if (i == 0 || t->chunks[i].thread != t->chunks[i - 1].thread)
            it->ns++;
    it->s = calloc(it->ns ? it->ns : 1, sizeof *it->s);
    it->heap = calloc(it->ns ? it->ns : 1, sizeof *it->heap);
    if (!it->s || !it->heap) {
        tr_iter_free(it);
        return NULL;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < t->nchunks; k++) {
        uint32_t j = i;
        while (j + 1 < t->nchunks && t->chunks[j + 1].thread == t->chunks[i].thread)
            j++;
        struct stream *s = &it->s[k];
        s->first = i;
        s->last = j;
        s->next = i;
        s->thread = t->chunks[i].thread;
        s->buf = malloc(CHUNK_CAP);
        if (!s->buf) {
            tr_iter_free(it);
            return NULL;
        }
        i = j + 1;
    }
    return it;
}

static void queue(struct tr_iter *it, uint32_t k)
{
    it->s[k].queued = true;
    it->heap[it->nheap++] = k;
}

static void heapify(struct tr_iter *it)
{
    for (uint32_t i = it->nheap / 2; i-- > 0;)
        sift_down(it, i);
}

struct tr_iter *tr_iter_new(const struct tr_trace *t, uint64_t from_ts)
{
    struct tr_iter *it = iter_alloc(t);
    if (!it)
        return NULL;
    for (uint32_t k = 0; k < it->ns; k++) {
        struct stream *s = &it->s[k];
        s->next = first_chunk(t, s->first, s->last, from_ts);
        while (advance(t, s)) {
            if (s->ev.ts >= from_ts) {
                queue(it, k);
                break;
            }
        }
    }
    heapify(it);
    return it;
}

/* Moves on past the event handed out last, if any. */
static void settle(struct tr_iter *it)
{
    if (it->taken && it->nheap) {
        struct stream *s = &it->s[it->heap[0]];
        if (!advance(it->t, s)) {
            s->queued = false;
            it->heap[0] = it->heap[--it->nheap];
        }
        sift_down(it, 0);
    }
    it->taken = false;
}

bool tr_iter_next(struct tr_iter *it, struct tr_event *ev)
{
    /* The event handed out last time, and its strings, stay valid until
     * now: only then does its stream move on. */
    settle(it);
    if (it->nheap == 0)
        return false;
    uint32_t top = it->heap[0];
    *ev = it->s[top].ev;
    if (ev->type == TR_ERROR)
        ev->err = &it->s[top].err;
    it->taken = true;
    return true;
}

void tr_iter_free(struct tr_iter *it)
{
    if (!it)
        return;
    for (uint32_t i = 0; i < it->ns && it->s; i++)
        free(it->s[i].buf);
    free(it->s);
    free(it->heap);
    free(it);
}

uint32_t tr_iter_streams(const struct tr_iter *it)
{
    return it->ns;
}

void tr_iter_tell(struct tr_iter *it, struct tr_spos *pos)
{
    settle(it);
    for (uint32_t k = 0; k < it->ns; k++) {
        const struct stream *s = &it->s[k];
        pos[k] = s->queued ? s->at : (struct tr_spos){ s->last + 1, 0, 0, 0 };
    }
}

/* Opens stream s at pos; false when pos does not fit it. */
static bool seek_stream(const struct tr_trace *t, struct stream *s, const struct tr_spos *pos)
{
    struct chunk_head h;
    if (pos->chunk < s->first || pos->chunk > s->last)
        return false;
    const struct tr_chunk *ck = &t->chunks[pos->chunk];
    if (open_chunk(t, ck->offset, ck->csize, s->buf, &h) ||
        pos->off > (uint64_t)(h.end - h.records))
        return false;
    s->c = (struct varint_cursor){ h.records + pos->off, h.end, false };
    s->records = h.records;
    s->ts = pos->ts;
    s->coro = pos->coro;
    s->next = pos->chunk + 1;
    return true;
}

struct tr_iter *tr_iter_resume(const struct tr_trace *t, const struct tr_spos *pos, uint32_t n)
{
    struct tr_iter *it = iter_alloc(t);
    if (!it)
        return NULL;
    if (n != it->ns)
        goto err;
    for (uint32_t k = 0; k < it->ns; k++) {
        struct stream *s = &it->s[k];
        if (pos[k].chunk == s->last + 1)
            continue;                   /* done */
        if (!seek_stream(t, s, &pos[k]))
            goto err;
        if (advance(t, s))
            queue(it, k);
    }
    heapify(it);
    return it;
err:
    tr_iter_free(it);
    return NULL;
}
