/* Building the report's figures from a trace (see summary.h). */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int replay_to(struct replay *r, struct tr_trace *t, uint64_t until, bool stop)
{
    struct tr_event ev;
    struct tr_iter *it = tr_iter_new(t, 0);
    if (!it)
        return -1;
    rp_init(r, t);
    while (tr_iter_next(it, &ev)) {
        if (stop && ev.ts > until)
            break;
        rp_event(r, &ev);
        /* The peak is reached by an allocation at `until`; stop right
         * after the one that reached it. */
        if (stop && ev.ts == until && r->live_bytes == r->peak_bytes &&
            (ev.type == TR_ALLOC || ev.type == TR_REALLOC))
            break;
    }
    tr_iter_free(it);
    return r->failed ? -1 : 0;
}

static int cmp_peak(const void *a, const void *b)
{
    const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
    return x->peak_bytes != y->peak_bytes ? (x->peak_bytes < y->peak_bytes ? 1 : -1)
                                          : (x->stack > y->stack) - (x->stack < y->stack);
}

static int cmp_leaked(const void *a, const void *b)
{
    const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
    return x->leaked_bytes != y->leaked_bytes ? (x->leaked_bytes < y->leaked_bytes ? 1 : -1)
                                              : (x->stack > y->stack) - (x->stack < y->stack);
}

static int cmp_calls(const void *a, const void *b)
{
    const struct site *x = *(const struct site *const *)a, *y = *(const struct site *const *)b;
    return x->calls != y->calls ? (x->calls < y->calls ? 1 : -1)
                                : (x->stack > y->stack) - (x->stack < y->stack);
}

static void collect_pinned(const struct rp_block *b, void *arg)
{
    struct summary *s = arg;
    if (!b->pin_stack)
        return;
    struct rp_block *p = realloc(s->pinned, (s->npinned + 1) * sizeof *p);
    if (!p)
        return;
    s->pinned = p;
    s->pinned[s->npinned++] = *b;
}

static struct site **sorted(struct summary *s, int (*cmp)(const void *, const void *))
{
    struct site **v = malloc((s->nsites ? s->nsites : 1) * sizeof *v);
    if (!v)
        return NULL;
    for (uint32_t i = 0; i < s->nsites; i++)
        v[i] = &s->sites[i];
    qsort(v, s->nsites, sizeof *v, cmp);
    return v;
}

int summary_build(struct summary *s, struct tr_trace *t, uint32_t top, char *err, size_t errlen)
{
    struct replay at_peak;
    memset(s, 0, sizeof *s);
    s->t = t;
    s->top = top;
    if (replay_to(&s->end, t, 0, false) < 0 ||
        replay_to(&at_peak, t, s->end.peak_ts, true) < 0) {
        snprintf(err, errlen, "ward: out of memory replaying the trace");
        return -1;
    }
    for (uint32_t id = 0; id < s->end.nsites; id++) {
        const struct rp_tally *x = &s->end.sites[id];
        if (!x->allocs)
            continue;
        struct site *n = realloc(s->sites, (s->nsites + 1) * sizeof *n);
        if (!n)
            break;
        s->sites = n;
        struct site *st = &s->sites[s->nsites++];
        memset(st, 0, sizeof *st);
        st->stack = id;
        st->calls = x->allocs;
        st->total_bytes = x->total_bytes;
        st->leaked_bytes = x->live_bytes;
        st->leaked_blocks = x->live_blocks;
        if (id < at_peak.nsites) {
            st->peak_bytes = at_peak.sites[id].live_bytes;
            st->peak_blocks = at_peak.sites[id].live_blocks;
        }
    }
    rp_free(&at_peak);
    s->by_peak = sorted(s, cmp_peak);
    s->by_leaked = sorted(s, cmp_leaked);
    s->by_calls = sorted(s, cmp_calls);
    rp_foreach(&s->end, collect_pinned, s);
    struct sym_module mods[1024];
    uint32_t n = tr_modules_ever(t, t->duration, mods, 1024);
    s->sym = sym_open(mods, n);
    return 0;
}

void summary_free(struct summary *s)
{
    rp_free(&s->end);
    free(s->sites);
    free(s->by_peak);
    free(s->by_leaked);
    free(s->by_calls);
    free(s->pinned);
    sym_close(s->sym);
    memset(s, 0, sizeof *s);
}

int summary_frames(struct summary *s, uint32_t stack, uint32_t max, uintptr_t *pcs,
                   struct sym_frame *frames)
{
    const struct tr_trace *t = s->t;
    uint32_t n = 0;
    if (stack >= t->nstacks || !t->stacks[stack].n)
        return 0;
    for (uint32_t i = 0; i < t->stacks[stack].n && n < max; i++) {
        struct sym_frame f[SYM_MAX_INLINE];
        int k = s->sym ? sym_lookup(s->sym, t->stacks[stack].frames[i], f, SYM_MAX_INLINE) : 0;
        if (k <= 0) {
            memset(f, 0, sizeof f[0]);
            strcpy(f[0].func, "??");
            k = 1;
        }
        for (int j = 0; j < k && n < max; j++) {
            pcs[n] = t->stacks[stack].frames[i];
            frames[n++] = f[j];
        }
    }
    return (int)n;
}

void summary_print_stack(void *arg, fmt_t *f, uint32_t stack)
{
    struct summary *s = arg;
    uintptr_t pcs[128];
    struct sym_frame *frames = malloc(128 * sizeof *frames);
    int n = frames ? summary_frames(s, stack, 128, pcs, frames) : 0;
    if (n == 0)
        fmt_str(f, "    <no stack recorded>\n");
    for (int i = 0; i < n; i++)
        rt_frame(f, (unsigned)i, pcs[i], &frames[i]);
    free(frames);
}

bool summary_top_frame(void *arg, uint32_t stack, struct sym_frame *frame)
{
    uintptr_t pc;
    return summary_frames(arg, stack, 1, &pc, frame) == 1;
}
