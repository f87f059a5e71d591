/* The trace index (see trace_index.h). An index read back from disk is
 * checked like a trace: it may be stale, cut short, or not one of ours. */
#define _GNU_SOURCE
#include "trace_index.h"
#include "varint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#define HASH_SPAN   (64u << 10)         /* bytes of the trace's head and tail hashed */
#define MAX_INDEX   ((uint64_t)1 << 34) /* larger is not an index of ours */
#define MAX_BLOB    ((uint64_t)1 << 31)
#define STEP_EVENTS (1u << 20)          /* events between progress calls */

/* ---- growable byte buffers ---- */

struct buf {
    uint8_t *p;
    size_t n, cap;
    bool failed;
};

static uint8_t *buf_room(struct buf *b, size_t n)
{
    if (b->failed)
        return NULL;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->failed = true;
            return NULL;
        }
        b->p = p;
        b->cap = cap;
    }
    return b->p + b->n;
}

static void buf_put(struct buf *b, const void *data, size_t n)
{
    uint8_t *p = buf_room(b, n);
    if (p) {
        memcpy(p, data, n);
        b->n += n;
    }
}

static void buf_var(struct buf *b, uint64_t v)
{
    uint8_t *p = buf_room(b, VARINT_MAX);
    if (p)
        b->n = (size_t)(varint_put(p, v) - b->p);
}

static void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static void note(struct ti_index *ix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ix->note, sizeof ix->note, fmt, ap);
    va_end(ap);
}

/* ---- which trace an index belongs to ---- */

static uint64_t fnv(uint64_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

/* The trace as read (its size and content) and as it is on disk now (its
 * modification time): a trace still being written is stale each time. */
static int identify(const struct tr_trace *t, const char *path, struct ti_header *h)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    size_t span = t->size < HASH_SPAN ? t->size : HASH_SPAN;
    h->trace_size = t->size;
    h->trace_mtime_ns = (uint64_t)st.st_mtim.tv_sec * 1000000000ull + (uint64_t)st.st_mtim.tv_nsec;
    h->trace_hash = fnv(fnv(0xcbf29ce484222325ull, t->data, span), t->data + t->size - span, span);
    h->nchunks = t->nchunks;
    return 0;
}

static uint32_t count_streams(const struct tr_trace *t)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->nchunks; i++)
        n += i == 0 || t->chunks[i].thread != t->chunks[i - 1].thread;
    return n;
}

/* The slice of a run of length d that time ts falls in. */
static uint32_t bin_of(uint64_t d, uint64_t ts)
{
    return ts >= d ? TI_BINS - 1 : (uint32_t)((unsigned __int128)ts * TI_BINS / (d + 1));
}

uint32_t ti_bin_of(const struct ti_index *ix, uint64_t ts)
{
    return bin_of(ix->h->duration, ts);
}

/* ---- a checkpoint's state: varints, then one zstd frame ----
 *
 *   full:v  scalars:v*12  nstreams:v (chunk off ts coro):v*nstreams
 *   3 times (sites, owners, coroutines): (id+1-next:v tally:v*5)* 0
 *   npinned:v (addr size ts stack owner coro thread pin_stack):v*npinned
 *
 * A full checkpoint lists every tally that is not all zero; another lists
 * those that differ from its base, the last full one before it. */

enum { NSCALARS = 12 };

static uint64_t *scalar(struct replay *r, int i)
{
    uint64_t *v[NSCALARS] = {
        &r->ts, &r->events, &r->live_bytes, &r->live_blocks, &r->peak_bytes, &r->peak_blocks,
        &r->peak_ts, &r->allocs, &r->frees, &r->reallocs, &r->total_bytes, &r->pinned_live,
    };
    return v[i];
}

static const struct rp_tally zero_tally;

static void put_tally(struct buf *b, const struct rp_tally *x)
{
    buf_var(b, x->live_bytes);
    buf_var(b, x->live_blocks);
    buf_var(b, x->peak_bytes);
    buf_var(b, x->allocs);
    buf_var(b, x->total_bytes);
}

/* The tallies of one kind: all that are not zero (base NULL) or those
 * that differ from base. */
static void put_tallies(struct buf *b, const struct rp_tally *arr, uint32_t n,
                        const struct rp_tally *base, uint32_t nbase)
{
    uint32_t next = 0, end = n > nbase ? n : nbase;
    for (uint32_t id = 0; id < end; id++) {
        const struct rp_tally *x = id < n ? &arr[id] : &zero_tally;
        const struct rp_tally *y = base && id < nbase ? &base[id] : &zero_tally;
        if (!memcmp(x, y, sizeof *x))
            continue;
        buf_var(b, id + 1 - next);
        put_tally(b, x);
        next = id + 1;
    }
    buf_var(b, 0);
}

static void put_block(struct buf *b, const struct rp_block *x)
{
    buf_var(b, x->addr);
    buf_var(b, x->size);
    buf_var(b, x->ts);
    buf_var(b, x->stack);
    buf_var(b, x->owner);
    buf_var(b, x->coro);
    buf_var(b, x->thread);
    buf_var(b, x->pin_stack);
}

static void get_tallies(struct varint_cursor *c, struct replay *r, enum rp_kind kind)
{
    uint64_t id = 0;
    for (uint64_t d; (d = vget(c)) != 0 && !c->bad;) {
        id += d - 1;
        struct rp_tally x;
        x.live_bytes = vget(c);
        x.live_blocks = vget(c);
        x.peak_bytes = vget(c);
        x.allocs = vget(c);
        x.total_bytes = vget(c);
        struct rp_tally *to = id <= UINT32_MAX ? rp_tally_at(r, kind, (uint32_t)id) : NULL;
        if (!to) {
            c->bad = true;
            return;
        }
        *to = x;
        id++;
    }
}

static void get_block(struct varint_cursor *c, struct rp_block *b)
{
    b->addr = vget(c);
    b->size = vget(c);
    b->ts = vget(c);
    b->stack = vget32(c);
    b->owner = vget32(c);
    b->coro = vget32(c);
    b->thread = vget32(c);
    b->pin_stack = vget32(c);
}

/* Decodes checkpoint k into r: only its tallies (the base of another), or
 * everything, with the streams' places into pos. */
static int decode(const struct ti_index *ix, uint32_t k, struct replay *r, struct tr_spos *pos)
{
    const struct ti_checkpoint *ck = &ix->ckpts[k];
    const uint8_t *src = ix->image + ck->off;
    unsigned long long n = ZSTD_getFrameContentSize(src, ck->len);
    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > MAX_BLOB)
        return -1;
    uint8_t *raw = malloc(n ? n : 1);
    if (!raw)
        return -1;
    size_t got = ZSTD_decompress(raw, n, src, ck->len);
    struct varint_cursor c = { raw, raw + n, ZSTD_isError(got) || got != n };
    vget(&c);                                    /* full or not: the table says */
    uint64_t s[NSCALARS];
    for (int i = 0; i < NSCALARS; i++)
        s[i] = vget(&c);
    uint32_t ns = vget32(&c);
    if (ns != ix->h->nstreams)
        c.bad = true;
    for (uint32_t i = 0; i < ns && !c.bad; i++) {
        struct tr_spos p = { vget32(&c), vget32(&c), vget(&c), vget32(&c) };
        if (pos)
            pos[i] = p;
    }
    for (int kind = RP_SITES; kind <= RP_COROS && !c.bad; kind++)
        get_tallies(&c, r, (enum rp_kind)kind);
    if (pos && !c.bad) {
        for (int i = 0; i < NSCALARS; i++)
            *scalar(r, i) = s[i];
        uint64_t np = vget(&c);
        for (uint64_t i = 0; i < np && !c.bad; i++) {
            struct rp_block b;
            get_block(&c, &b);
            if (!c.bad && rp_add_block(r, &b) < 0)
                c.bad = true;
        }
    }
    free(raw);
    return c.bad || r->failed ? -1 : 0;
}

/* ---- building ---- */

struct builder {
    const struct tr_trace *t;
    const struct ti_options *o;
    struct replay r;
    struct tr_iter *it;
    struct ti_header h;
    struct ti_bin *bins;
    uint32_t bin;                       /* the slice the last event fell in */
    struct buf ckpts, errors, latepins, blobs, raw;
    struct tr_spos *pos;
    struct rp_tally *base[3];           /* tallies at the last full checkpoint */
    uint32_t nbase[3], base_k;
    uint64_t *pinned;                   /* addresses of the pinned live blocks */
    uint32_t npinned, cap_pinned;
    uint32_t *err_order;                /* t->errors by time and thread */
    bool *err_used;
    ZSTD_CCtx *cctx;
};

static struct rp_tally **tallies(struct replay *r, int kind, uint32_t **n)
{
    *n = kind == RP_SITES ? &r->nsites : kind == RP_OWNERS ? &r->nowners : &r->ncoros;
    return kind == RP_SITES ? &r->sites : kind == RP_OWNERS ? &r->owners : &r->coros;
}

/* How many tallies differ from the base, and how many are not zero. */
static void count_changes(struct builder *B, uint64_t *changed, uint64_t *nonzero)
{
    *changed = *nonzero = 0;
    for (int k = 0; k < 3; k++) {
        uint32_t *n;
        struct rp_tally *a = *tallies(&B->r, k, &n);
        uint32_t end = *n > B->nbase[k] ? *n : B->nbase[k];
        for (uint32_t id = 0; id < end; id++) {
            const struct rp_tally *x = id < *n ? &a[id] : &zero_tally;
            const struct rp_tally *y = id < B->nbase[k] ? &B->base[k][id] : &zero_tally;
            *nonzero += memcmp(x, &zero_tally, sizeof *x) != 0;
            *changed += memcmp(x, y, sizeof *x) != 0;
        }
    }
}

static int rebase(struct builder *B)
{
    for (int k = 0; k < 3; k++) {
        uint32_t *n;
        struct rp_tally *a = *tallies(&B->r, k, &n);
        struct rp_tally *c = realloc(B->base[k], (*n ? *n : 1) * sizeof *c);
        if (!c)
            return -1;
        if (*n)
            memcpy(c, a, *n * sizeof *c);
        B->base[k] = c;
        B->nbase[k] = *n;
    }
    return 0;
}

static int checkpoint(struct builder *B)
{
    uint32_t k = (uint32_t)(B->ckpts.n / sizeof(struct ti_checkpoint));
    uint64_t changed, nonzero;
    count_changes(B, &changed, &nonzero);
    /* A full checkpoint when a delta would not be much smaller: then
     * restoring never decodes more than two. */
    bool full = k == 0 || changed * 2 >= nonzero;
    if (full && rebase(B) < 0)
        return -1;
    if (full)
        B->base_k = k;
    tr_iter_tell(B->it, B->pos);
    struct buf *b = &B->raw;
    b->n = 0;
    buf_var(b, full);
    for (int i = 0; i < NSCALARS; i++)
        buf_var(b, *scalar(&B->r, i));
    buf_var(b, B->h.nstreams);
    for (uint32_t i = 0; i < B->h.nstreams; i++) {
        buf_var(b, B->pos[i].chunk);
        buf_var(b, B->pos[i].off);
        buf_var(b, B->pos[i].ts);
        buf_var(b, B->pos[i].coro);
    }
    for (int kind = 0; kind < 3; kind++) {
        uint32_t *n;
        struct rp_tally *a = *tallies(&B->r, kind, &n);
        put_tallies(b, a, *n, full ? NULL : B->base[kind], B->nbase[kind]);
    }
    buf_var(b, B->npinned);
    for (uint32_t i = 0; i < B->npinned; i++) {
        const struct rp_block *x = rp_block_at(&B->r, B->pinned[i]);
        put_block(b, x ? x : &(struct rp_block){ 0 });
    }
    if (b->failed)
        return -1;
    size_t bound = ZSTD_compressBound(b->n);
    uint8_t *dst = buf_room(&B->blobs, bound);
    size_t len = dst ? ZSTD_compressCCtx(B->cctx, dst, bound, b->p, b->n, 3) : 0;
    if (!dst || ZSTD_isError(len))
        return -1;
    struct ti_checkpoint ck = { B->r.events, B->r.ts, B->blobs.n, len, B->base_k, 0 };
    B->blobs.n += len;
    buf_put(&B->ckpts, &ck, sizeof ck);
    return B->ckpts.failed ? -1 : 0;
}

static int by_time(const void *a, const void *b, void *arg)
{
    const struct tr_trace *t = arg;
    const struct tr_error *x = &t->errors[*(const uint32_t *)a];
    const struct tr_error *y = &t->errors[*(const uint32_t *)b];
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    if (x->thread != y->thread)
        return x->thread < y->thread ? -1 : 1;
    return (*(const uint32_t *)a > *(const uint32_t *)b) - (*(const uint32_t *)a < *(const uint32_t *)b);
}

/* The recorded error (in t->errors, gathered in file order) that this
 * error event is: the same time, thread, kind and address. */
static uint32_t match_error(struct builder *B, const struct tr_event *ev)
{
    const struct tr_trace *t = B->t;
    uint32_t lo = 0, hi = t->nerrors;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        const struct tr_error *x = &t->errors[B->err_order[mid]];
        if (x->ts < ev->ts || (x->ts == ev->ts && x->thread < ev->thread))
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < t->nerrors; lo++) {
        uint32_t i = B->err_order[lo];
        const struct tr_error *x = &t->errors[i];
        if (x->ts != ev->ts || x->thread != ev->thread)
            break;
        if (!B->err_used[i] && x->r.kind == ev->err->r.kind && x->r.addr == ev->err->r.addr) {
            B->err_used[i] = true;
            return i;
        }
    }
    return UINT32_MAX;
}

static bool pinned_has(const struct builder *B, uint64_t addr, uint32_t *at)
{
    for (uint32_t i = 0; i < B->npinned; i++)
        if (B->pinned[i] == addr) {
            *at = i;
            return true;
        }
    return false;
}

/* Keeps B->pinned in step with the replay's pinned blocks, after an event
 * that may have pinned or unpinned addr. */
static int track_pin(struct builder *B, uint64_t addr)
{
    const struct rp_block *b = rp_block_at(&B->r, addr);
    uint32_t at;
    bool has = pinned_has(B, addr, &at), pinned = b && b->pin_stack;
    if (has && !pinned)
        B->pinned[at] = B->pinned[--B->npinned];
    if (!has && pinned) {
        if (B->npinned == B->cap_pinned) {
            uint32_t cap = B->cap_pinned ? B->cap_pinned * 2 : 64;
            uint64_t *p = realloc(B->pinned, cap * sizeof *p);
            if (!p)
                return -1;
            B->pinned = p;
            B->cap_pinned = cap;
        }
        B->pinned[B->npinned++] = addr;
    }
    return 0;
}

/* Before event e: the timeline's slices up to it, its error, and the
 * block it pins if that was allocated before. */
static void before(struct builder *B, const struct tr_event *ev, uint64_t e)
{
    uint32_t bin = bin_of(B->h.duration, ev->ts);
    while (B->bin < bin) {
        struct ti_bin *x = &B->bins[++B->bin];
        x->first = e;
        x->max_bytes = B->r.live_bytes;
        x->max_blocks = B->r.live_blocks;
    }
    if (ev->type == TR_ERROR) {
        struct ti_error x = { e, ev->ts, match_error(B, ev), 0 };
        buf_put(&B->errors, &x, sizeof x);
    }
    const struct rp_block *b;
    if (ev->type == TR_PIN && (b = rp_block_at(&B->r, ev->addr)) != NULL && !b->pin_stack) {
        struct ti_latepin x = { e, { b->addr, b->size, b->ts, b->stack, b->owner, b->coro,
                                     b->thread, 0, 0 } };
        buf_put(&B->latepins, &x, sizeof x);
    }
}

static int after(struct builder *B, const struct tr_event *ev, uint64_t e)
{
    struct ti_bin *x = &B->bins[bin_of(B->h.duration, ev->ts)];
    if (B->r.live_bytes > x->max_bytes)
        x->max_bytes = B->r.live_bytes;
    if (B->r.live_blocks > x->max_blocks)
        x->max_blocks = B->r.live_blocks;
    x->flags |= TI_B_EVENTS;
    if (ev->type == TR_ERROR)
        x->flags |= TI_B_ERROR;
    if (ev->type == TR_CORO_SWITCH)
        x->flags |= TI_B_CORO;
    if (ev->type == TR_OWNER_PUSH || ev->type == TR_OWNER_POP || ev->type == TR_OWNER_SET)
        x->flags |= TI_B_OWNER;
    if (B->r.peak_bytes > B->h.peak_bytes) {
        B->h.peak_bytes = B->r.peak_bytes;
        B->h.peak_blocks = B->r.peak_blocks;
        B->h.peak_ts = B->r.peak_ts;
        B->h.peak_event = e;
    }
    uint32_t at;
    switch (ev->type) {
    case TR_ALLOC:
        return ev->flags & TR_F_PINNED || pinned_has(B, ev->addr, &at) ? track_pin(B, ev->addr)
                                                                       : 0;
    case TR_REALLOC:                    /* a pinned block stays pinned where it goes */
        if (!pinned_has(B, ev->addr, &at))
            return 0;
        return track_pin(B, ev->addr) < 0 ? -1 : track_pin(B, ev->addr2);
    case TR_FREE:
    case TR_UNPIN:
        return pinned_has(B, ev->addr, &at) ? track_pin(B, ev->addr) : 0;
    case TR_PIN:
        return track_pin(B, ev->addr);
    }
    return 0;
}

static uint64_t pick_interval(const struct tr_trace *t, const struct ti_options *o)
{
    if (o->interval)
        return o->interval;
    uint64_t n = t->events / TI_MAX_CKPTS + 1;
    return n > TI_MIN_INTERVAL ? n : TI_MIN_INTERVAL;
}

static int start_build(struct builder *B)
{
    const struct tr_trace *t = B->t;
    B->h.nstreams = count_streams(t);
    B->h.duration = t->duration;
    B->h.interval = pick_interval(t, B->o);
    B->bins = calloc(TI_BINS, sizeof *B->bins);
    B->pos = calloc(B->h.nstreams + 1, sizeof *B->pos);
    B->err_order = malloc((t->nerrors + 1) * sizeof *B->err_order);
    B->err_used = calloc(t->nerrors + 1, sizeof *B->err_used);
    B->cctx = ZSTD_createCCtx();
    B->it = tr_iter_new(t, 0);
    rp_init(&B->r, t);
    if (!B->bins || !B->pos || !B->err_order || !B->err_used || !B->cctx || !B->it)
        return -1;
    for (uint32_t i = 0; i < t->nerrors; i++)
        B->err_order[i] = i;
    qsort_r(B->err_order, t->nerrors, sizeof *B->err_order, by_time, (void *)t);
    return checkpoint(B);
}

/* The events, start to end; -2 when the progress function said stop. */
static int replay_all(struct builder *B)
{
    struct tr_event ev;
    while (tr_iter_next(B->it, &ev)) {
        uint64_t e = B->r.events;
        before(B, &ev, e);
        rp_event(&B->r, &ev);
        if (after(B, &ev, e) < 0 || B->r.failed)
            return -1;
        if (B->r.events % B->h.interval == 0 && checkpoint(B) < 0)
            return -1;
        if (B->r.events % STEP_EVENTS == 0 && B->o->progress &&
            !B->o->progress(B->o->arg, ev.ts, B->t->duration))
            return -2;
    }
    B->h.events = B->r.events;
    while (B->bin + 1 < TI_BINS) {
        struct ti_bin *x = &B->bins[++B->bin];
        x->first = B->r.events;
        x->max_bytes = B->r.live_bytes;
        x->max_blocks = B->r.live_blocks;
    }
    return B->errors.failed || B->latepins.failed ? -1 : 0;
}

static void end_build(struct builder *B)
{
    rp_free(&B->r);
    tr_iter_free(B->it);
    ZSTD_freeCCtx(B->cctx);
    free(B->bins);
    free(B->pos);
    free(B->err_order);
    free(B->err_used);
    free(B->pinned);
    for (int k = 0; k < 3; k++)
        free(B->base[k]);
    buf_free(&B->ckpts);
    buf_free(&B->errors);
    buf_free(&B->latepins);
    buf_free(&B->blobs);
    buf_free(&B->raw);
}

/* Lays the parts out as the file is: header, arrays, blobs. */
static uint8_t *assemble(struct builder *B, size_t *size)
{
    struct ti_header *h = &B->h;
    memcpy(h->magic, TI_MAGIC, sizeof h->magic);
    h->version = TI_VERSION;
    h->header_size = sizeof *h;
    h->nbins = TI_BINS;
    h->ncheckpoints = (uint32_t)(B->ckpts.n / sizeof(struct ti_checkpoint));
    h->nerrors = (uint32_t)(B->errors.n / sizeof(struct ti_error));
    h->nlatepins = (uint32_t)(B->latepins.n / sizeof(struct ti_latepin));
    h->bins_off = sizeof *h;
    h->checkpoints_off = h->bins_off + TI_BINS * sizeof(struct ti_bin);
    h->errors_off = h->checkpoints_off + B->ckpts.n;
    h->latepins_off = h->errors_off + B->errors.n;
    uint64_t blobs_off = h->latepins_off + B->latepins.n;
    h->total_size = blobs_off + B->blobs.n;
    struct ti_checkpoint *ck = (struct ti_checkpoint *)B->ckpts.p;
    for (uint32_t i = 0; i < h->ncheckpoints; i++)
        ck[i].off += blobs_off;
    uint8_t *img = malloc(h->total_size);
    if (!img)
        return NULL;
    memcpy(img, h, sizeof *h);
    memcpy(img + h->bins_off, B->bins, TI_BINS * sizeof(struct ti_bin));
    memcpy(img + h->checkpoints_off, B->ckpts.p, B->ckpts.n);
    if (B->errors.n)
        memcpy(img + h->errors_off, B->errors.p, B->errors.n);
    if (B->latepins.n)
        memcpy(img + h->latepins_off, B->latepins.p, B->latepins.n);
    memcpy(img + blobs_off, B->blobs.p, B->blobs.n);
    *size = h->total_size;
    return img;
}

static int build(struct ti_index *ix, const struct tr_trace *t, const char *path,
                 const struct ti_header *id, const struct ti_options *o, char *err,
                 size_t errlen)
{
    struct builder B = { .t = t, .o = o, .h = *id };
    int rc = start_build(&B);
    if (rc == 0)
        rc = replay_all(&B);
    if (rc == 0 && !(ix->image = assemble(&B, &ix->size)))
        rc = -1;
    end_build(&B);
    if (rc == -2)
        snprintf(err, errlen, "ward: indexing '%s' was interrupted", path);
    else if (rc < 0)
        snprintf(err, errlen, "ward: out of memory indexing '%s'", path);
    ix->built = rc == 0;
    return rc < 0 ? -1 : 0;
}

/* ---- reading an image (built, or read from a file) ---- */

static bool fits(uint64_t off, uint64_t n, uint64_t elem, uint64_t size)
{
    return off % 8 == 0 && off <= size && n <= (size - off) / elem;
}

static bool checkpoints_ok(const struct ti_index *ix)
{
    const struct ti_header *h = ix->h;
    for (uint32_t k = 0; k < h->ncheckpoints; k++) {
        const struct ti_checkpoint *c = &ix->ckpts[k];
        if (c->event != k * h->interval || c->off < h->latepins_off || c->off > ix->size ||
            c->len > ix->size - c->off || c->base > k || ix->ckpts[c->base].base != c->base ||
            (k && c->last_ts < ix->ckpts[k - 1].last_ts))
            return false;
    }
    return h->ncheckpoints > 0 && (h->ncheckpoints - 1) * h->interval <= h->events &&
           h->events - (h->ncheckpoints - 1) * h->interval <= h->interval;
}

static bool lists_ok(const struct ti_index *ix, const struct tr_trace *t)
{
    const struct ti_header *h = ix->h;
    for (uint32_t i = 0; i < h->nerrors; i++)
        if (ix->errors[i].event >= h->events ||
            (ix->errors[i].err != UINT32_MAX && ix->errors[i].err >= t->nerrors) ||
            (i && ix->errors[i].event <= ix->errors[i - 1].event))
            return false;
    for (uint32_t i = 0; i < h->nlatepins; i++)
        if (i && ix->latepins[i].event <= ix->latepins[i - 1].event)
            return false;
    for (uint32_t i = 0; i < TI_BINS; i++)
        if (ix->bins[i].first > h->events || (i && ix->bins[i].first < ix->bins[i - 1].first))
            return false;
    return true;
}

/* Points ix's arrays into its image; false if the image is not a sound
 * index of this trace as it is (want: its identity; interval 0: any). */
static bool adopt(struct ti_index *ix, const struct tr_trace *t, const struct ti_header *want,
                  uint64_t interval)
{
    const struct ti_header *h = (const struct ti_header *)ix->image;
    if (ix->size < sizeof *h || memcmp(h->magic, TI_MAGIC, sizeof h->magic) != 0 ||
        h->version != TI_VERSION || h->header_size != sizeof *h || h->total_size != ix->size)
        return false;
    if (h->trace_size != want->trace_size || h->trace_mtime_ns != want->trace_mtime_ns ||
        h->trace_hash != want->trace_hash || h->nchunks != t->nchunks ||
        h->duration != t->duration || h->nstreams != count_streams(t) ||
        h->interval == 0 || (interval && h->interval != interval) || h->nbins != TI_BINS)
        return false;
    if (!fits(h->bins_off, TI_BINS, sizeof(struct ti_bin), ix->size) ||
        !fits(h->checkpoints_off, h->ncheckpoints, sizeof(struct ti_checkpoint), ix->size) ||
        !fits(h->errors_off, h->nerrors, sizeof(struct ti_error), ix->size) ||
        !fits(h->latepins_off, h->nlatepins, sizeof(struct ti_latepin), ix->size))
        return false;
    ix->h = h;
    ix->t = t;
    ix->bins = (const struct ti_bin *)(ix->image + h->bins_off);
    ix->ckpts = (const struct ti_checkpoint *)(ix->image + h->checkpoints_off);
    ix->errors = (const struct ti_error *)(ix->image + h->errors_off);
    ix->latepins = (const struct ti_latepin *)(ix->image + h->latepins_off);
    return checkpoints_ok(ix) && lists_ok(ix, t);
}

/* ---- the file ---- */

static int read_file(struct ti_index *ix)
{
    struct stat st;
    int fd = open(ix->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_INDEX ||
        (size_t)st.st_size < sizeof(struct ti_header) || !(ix->image = malloc(st.st_size))) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, ix->image + got, (size_t)st.st_size - got);
        if (n <= 0 && errno != EINTR)
            break;
        got += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    ix->size = got;
    return got == (size_t)st.st_size ? 0 : -1;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes under a name of our own, created afresh (never through a link),
 * then renames it over TRACE.idx: a reader sees a whole index or none. */
static int save(struct ti_index *ix)
{
    static unsigned serial;
    char tmp[sizeof ix->path + 64];
    int fd = -1, e;
    for (int tries = 0; fd < 0 && tries < 100; tries++) {
        snprintf(tmp, sizeof tmp, "%s.tmp.%d.%u", ix->path, (int)getpid(), serial++);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return -1;
    if (write_all(fd, ix->image, ix->size) < 0 || close(fd) != 0 || rename(tmp, ix->path) != 0) {
        e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int ti_open(struct ti_index *ix, const struct tr_trace *t, const char *path,
            const struct ti_options *o, char *err, size_t errlen)
{
    struct ti_header want = { 0 };
    memset(ix, 0, sizeof *ix);
    if ((size_t)snprintf(ix->path, sizeof ix->path, "%s.idx", path) >= sizeof ix->path) {
        snprintf(err, errlen, "ward: the trace's path is too long");
        return -1;
    }
    if (identify(t, path, &want) < 0) {
        snprintf(err, errlen, "ward: cannot read trace '%s': %s", path, strerror(errno));
        return -1;
    }
    bool stale = false;
    if (!o->rebuild && read_file(ix) == 0) {
        if (adopt(ix, t, &want, o->interval)) {
            ix->saved = true;
            note(ix, "index read from %s", ix->path);
            return 0;
        }
        stale = true;
    }
    free(ix->image);
    ix->image = NULL;
    if (build(ix, t, path, &want, o, err, errlen) < 0)
        return -1;
    if (!adopt(ix, t, &want, 0)) {
        snprintf(err, errlen, "ward: indexing '%s' went wrong", path);
        ti_close(ix);
        return -1;
    }
    if (o->no_save)
        note(ix, "index kept in memory");
    else if (save(ix) == 0) {
        ix->saved = true;
        note(ix, "index %s %s", stale ? "rebuilt in" : "written to", ix->path);
    } else
        note(ix, "index kept in memory: cannot write %s: %s", ix->path, strerror(errno));
    return 0;
}

void ti_close(struct ti_index *ix)
{
    free(ix->image);
    memset(ix, 0, sizeof *ix);
}

/* ---- using it ---- */

uint32_t ti_checkpoint_of_event(const struct ti_index *ix, uint64_t e)
{
    uint64_t k = e / ix->h->interval;
    return k < ix->h->ncheckpoints ? (uint32_t)k : ix->h->ncheckpoints - 1;
}

uint32_t ti_checkpoint_of_ts(const struct ti_index *ix, uint64_t ts)
{
    uint32_t lo = 0, hi = ix->h->ncheckpoints;   /* checkpoint 0 always qualifies */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ix->ckpts[mid].last_ts <= ts)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int ti_restore(const struct ti_index *ix, uint32_t k, struct replay *r, struct tr_iter **it)
{
    struct tr_spos *pos = calloc(ix->h->nstreams + 1, sizeof *pos);
    rp_init(r, ix->t);
    *it = NULL;
    int rc = pos ? 0 : -1;
    if (rc == 0 && ix->ckpts[k].base != k)
        rc = decode(ix, ix->ckpts[k].base, r, NULL);
    if (rc == 0)
        rc = decode(ix, k, r, pos);
    if (rc == 0 && !(*it = tr_iter_resume(ix->t, pos, ix->h->nstreams)))
        rc = -1;
    free(pos);
    if (rc < 0)
        rp_free(r);
    return rc;
}

void ti_apply(const struct ti_index *ix, struct replay *r, const struct tr_event *ev, uint64_t e)
{
    if (ev->type == TR_PIN && !rp_block_at(r, ev->addr)) {
        uint32_t lo = 0, hi = ix->h->nlatepins;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (ix->latepins[mid].event < e)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ix->h->nlatepins && ix->latepins[lo].event == e) {
            const struct ti_block *x = &ix->latepins[lo].b;
            struct rp_block b = { x->addr, x->size, x->ts, x->stack, x->owner, x->coro,
                                  x->thread, 0 };
            rp_add_block(r, &b);
        }
    }
    rp_event(r, ev);
}

int64_t ti_error_at(const struct ti_index *ix, uint64_t e)
{
    uint32_t lo = 0, hi = ix->h->nerrors;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (ix->errors[mid].event < e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->h->nerrors && ix->errors[lo].event == e ? (int64_t)lo : -1;
}
