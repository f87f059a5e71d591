/* The state at the cursor (see view_model.h). */
#include "view_model.h"
#include "report_text.h"
#include "view_map.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define STOP_CHECK 65536            /* events between looks at vm_stop */

volatile int vm_stop;

uint64_t vm_events(const struct vm *m)
{
    return m->ix->h->events;
}

static void drop(struct vm *m)
{
    if (m->ready) {
        rp_free(&m->r);
        tr_iter_free(m->it);
    }
    m->it = NULL;
    m->ready = false;
}

void vm_close(struct vm *m)
{
    drop(m);
}

/* Copies an event to keep: its strings are valid only until the next. */
static void keep(const struct vm *m, struct vm_event *x, const struct tr_event *ev, uint64_t n)
{
    x->n = n;
    x->ev = *ev;
    x->ev.str = NULL;
    x->ev.err = NULL;
    x->text[0] = '\0';
    x->err = -1;
    if ((ev->type == TR_THREAD_NAME || ev->type == TR_CORO_NAME) && ev->str)
        snprintf(x->text, sizeof x->text, "%s", ev->str);
    if (ev->type == TR_ERROR && ev->err) {
        snprintf(x->text, sizeof x->text, "%s", rt_kind_name(ev->err->r.kind));
        x->ev.addr = ev->err->r.addr;
        x->ev.size = ev->err->r.size;
        x->err = ti_error_at(m->ix, n);
    }
}

static struct vm_event *ring_push(struct vm_ring *b)
{
    struct vm_event *x = &b->e[b->head];
    b->head = (b->head + 1) % VM_BEHIND;
    if (b->n < VM_BEHIND)
        b->n++;
    return x;
}

/* Reads events into the queue until it is full or the trace ends. */
static void fill_ahead(struct vm *m)
{
    struct tr_event ev;
    while (m->nahead < VM_AHEAD && tr_iter_next(m->it, &ev)) {
        uint32_t at = (m->hahead + m->nahead) % VM_AHEAD;
        keep(m, &m->ahead[at], &ev, m->cur + m->nahead);
        m->nahead++;
    }
}

int vm_step(struct vm *m)
{
    if (!m->nahead)
        return 1;
    struct vm_event *x = &m->ahead[m->hahead];
    struct tr_event ev = x->ev;
    ti_apply(m->ix, &m->r, &ev, m->cur);
    *ring_push(&m->behind) = *x;
    m->hahead = (m->hahead + 1) % VM_AHEAD;
    m->nahead--;
    m->cur++;
    if (m->nahead < VM_AHEAD / 2)
        fill_ahead(m);
    return 0;
}

static int fail(struct vm *m, const char *why)
{
    snprintf(m->err, sizeof m->err, "%s", why);
    return -1;
}

/* Restores the checkpoint at or before `from` into r/it, with r->events
 * its first event. */
static int restore(struct vm *m, uint64_t from, struct replay *r, struct tr_iter **it)
{
    uint32_t k = ti_checkpoint_of_event(m->ix, from);
    if (ti_restore(m->ix, k, r, it) < 0)
        return fail(m, "cannot restore a checkpoint: out of memory or a damaged index "
                       "(try ward view --reindex)");
    return 0;
}

/* Replays from a fresh checkpoint up to e, keeping the last events. */
static int seek_far(struct vm *m, uint64_t e)
{
    struct replay r;
    struct tr_iter *it;
    struct tr_event ev;
    struct vm_ring ring = { .n = 0 };
    uint64_t from = e > VM_BEHIND ? e - VM_BEHIND : 0;
    if (restore(m, from, &r, &it) < 0)
        return -1;
    while (r.events < e && tr_iter_next(it, &ev)) {
        uint64_t n = r.events;
        if (e - n <= VM_BEHIND)
            keep(m, ring_push(&ring), &ev, n);
        ti_apply(m->ix, &r, &ev, n);
        if (n % STOP_CHECK == 0 && vm_stop)
            break;
    }
    if (r.events < e && vm_stop) {
        rp_free(&r);
        tr_iter_free(it);
        return fail(m, "interrupted");
    }
    drop(m);
    m->behind = ring;
    m->r = r;
    m->it = it;
    m->ready = true;
    m->cur = r.events;
    m->nahead = m->hahead = 0;
    fill_ahead(m);
    return 0;
}

int vm_seek(struct vm *m, uint64_t e)
{
    if (e > vm_events(m))
        e = vm_events(m);
    /* Forward by less than a checkpoint interval: go on from here. */
    if (m->ready && e >= m->cur && e - m->cur <= m->ix->h->interval) {
        while (m->cur < e && vm_step(m) == 0)
            if (m->cur % STOP_CHECK == 0 && vm_stop)
                return fail(m, "interrupted");
        return 0;
    }
    return seek_far(m, e);
}

int vm_open(struct vm *m, const struct tr_trace *t, const struct ti_index *ix)
{
    memset(m, 0, sizeof *m);
    m->t = t;
    m->ix = ix;
    return seek_far(m, 0);
}

const struct vm_event *vm_behind(const struct vm *m, uint32_t i)
{
    if (i >= m->behind.n)
        return NULL;
    return &m->behind.e[(m->behind.head + VM_BEHIND - 1 - i) % VM_BEHIND];
}

const struct vm_event *vm_ahead(const struct vm *m, uint32_t i)
{
    if (i >= m->nahead)
        return NULL;
    return &m->ahead[(m->hahead + i) % VM_AHEAD];
}

int64_t vm_count_until(struct vm *m, uint64_t ts)
{
    struct replay r;
    struct tr_iter *it;
    struct tr_event ev;
    uint32_t k = ti_checkpoint_of_ts(m->ix, ts);
    if (ti_restore(m->ix, k, &r, &it) < 0)
        return fail(m, "cannot restore a checkpoint (try ward view --reindex)");
    uint64_t n = m->ix->ckpts[k].event;
    while (tr_iter_next(it, &ev) && ev.ts <= ts)
        n++;
    rp_free(&r);
    tr_iter_free(it);
    return (int64_t)n;
}

/* Scans [from, to) from the checkpoint before `from`; no replay needed. */
static int scan(struct vm *m, uint64_t from, uint64_t to, bool last, vm_match_fn match,
                void *arg, uint64_t *found)
{
    struct replay r;
    struct tr_iter *it;
    struct tr_event ev;
    int rc = 0;
    if (restore(m, from, &r, &it) < 0)
        return -1;
    uint64_t n = r.events;
    rp_free(&r);
    for (; n < to && tr_iter_next(it, &ev); n++) {
        if (n % STOP_CHECK == 0 && vm_stop) {
            rc = fail(m, "interrupted");
            break;
        }
        if (n < from || !match(&ev, arg))
            continue;
        *found = n;
        rc = 1;
        if (!last)
            break;
    }
    tr_iter_free(it);
    return rc;
}

int vm_find(struct vm *m, uint64_t from, uint64_t to, bool last, vm_match_fn match, void *arg,
            uint64_t *found)
{
    if (!last)
        return from < to ? scan(m, from, to, false, match, arg, found) : 0;
    /* Backwards: one checkpoint interval at a time, nearest first. */
    uint64_t step = m->ix->h->interval;
    while (to > from) {
        uint64_t lo = (to - 1) / step * step;
        lo = lo < from ? from : lo;
        int rc = scan(m, lo, to, true, match, arg, found);
        if (rc != 0)
            return rc;
        to = lo;
    }
    return 0;
}

/* ---- --check: the index against a full replay ---- */

static bool same_tallies(const struct rp_tally *a, uint32_t na, const struct rp_tally *b,
                         uint32_t nb)
{
    static const struct rp_tally zero;
    for (uint32_t i = 0; i < (na > nb ? na : nb); i++)
        if (memcmp(i < na ? &a[i] : &zero, i < nb ? &b[i] : &zero, sizeof zero))
            return false;
    return true;
}

static void pin_sum(const struct rp_block *b, void *arg)
{
    uint64_t *s = arg;
    if (b->pin_stack)
        s[0] += 1, s[1] += b->addr * 31 + b->size * 7 + b->owner * 3 + b->pin_stack;
}

static bool same_replay(const struct replay *x, const struct replay *y)
{
    uint64_t px[2] = { 0, 0 }, py[2] = { 0, 0 };
    rp_foreach(x, pin_sum, px);
    rp_foreach(y, pin_sum, py);
    return x->events == y->events && x->ts == y->ts && x->live_bytes == y->live_bytes &&
           x->live_blocks == y->live_blocks && x->peak_bytes == y->peak_bytes &&
           x->peak_ts == y->peak_ts && x->allocs == y->allocs && x->frees == y->frees &&
           x->reallocs == y->reallocs && x->total_bytes == y->total_bytes &&
           x->pinned_live == y->pinned_live && px[0] == py[0] && px[1] == py[1] &&
           same_tallies(x->sites, x->nsites, y->sites, y->nsites) &&
           same_tallies(x->owners, x->nowners, y->owners, y->nowners) &&
           same_tallies(x->coros, x->ncoros, y->coros, y->ncoros);
}

/* The state after e events, from the index. */
static int state_at(const struct ti_index *ix, uint64_t e, struct replay *r)
{
    struct tr_iter *it;
    struct tr_event ev;
    if (ti_restore(ix, ti_checkpoint_of_event(ix, e), r, &it) < 0)
        return -1;
    while (r->events < e && tr_iter_next(it, &ev))
        ti_apply(ix, r, &ev, r->events);
    tr_iter_free(it);
    return 0;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Moments to check: every checkpoint and a pseudo-random one after it. */
static bool sample(const struct ti_index *ix, uint64_t e)
{
    uint64_t in = e % ix->h->interval;
    uint64_t pick = vmap_mix(0x5eed, e / ix->h->interval) % ix->h->interval;
    return in == 0 || in == pick || e == ix->h->events;
}

/* Times random seeks the way the viewer makes them. */
static void time_seeks(const struct tr_trace *t, const struct ti_index *ix, FILE *out)
{
    struct vm m;
    double total = 0, worst = 0;
    int n = 100;
    if (vm_open(&m, t, ix) < 0)
        return;
    for (int i = 0; i < n; i++) {
        uint64_t e = vmap_mix(0x5eed, (uint64_t)i + 12345) % (ix->h->events + 1);
        double a = now_ms();
        vm_seek(&m, e);
        double d = now_ms() - a;
        total += d;
        worst = d > worst ? d : worst;
    }
    vm_close(&m);
    fprintf(out, "seeking: %d random seeks, %.2f ms on average, %.2f ms at most\n", n,
            total / n, worst);
}

int vm_check(const struct tr_trace *t, const struct ti_index *ix, FILE *out)
{
    struct replay full, at;
    struct tr_event ev;
    struct tr_iter *it = tr_iter_new(t, 0);
    uint64_t checked = 0, bad = 0;
    fprintf(out, "index: %s; %llu events, %u checkpoints every %llu events, %zu bytes\n",
            ix->note, (unsigned long long)ix->h->events, ix->h->ncheckpoints,
            (unsigned long long)ix->h->interval, ix->size);
    if (!it)
        return 1;
    rp_init(&full, t);
    for (bool more = true; more;) {
        if (sample(ix, full.events)) {
            checked++;
            if (state_at(ix, full.events, &at) < 0 || !same_replay(&full, &at)) {
                if (bad++ < 5)
                    fprintf(out, "differs after %llu events\n", (unsigned long long)full.events);
            }
            rp_free(&at);
        }
        if ((more = tr_iter_next(it, &ev)))
            rp_event(&full, &ev);
    }
    bool same = full.events == ix->h->events && full.peak_bytes == ix->h->peak_bytes;
    fprintf(out, "checked %llu moments against a full replay: %s\n",
            (unsigned long long)checked, !bad && same ? "all equal" : "DIFFERENT");
    rp_free(&full);
    tr_iter_free(it);
    time_seeks(t, ix, out);
    return bad || !same ? 1 : 0;
}
