/* The Errors view: every error the run reported, in time order (the
 * index's list), each opening to its full report, printed by rt_print
 * with stacks symbolized as `ward report` does; and the jumps from one
 * error to the next. */
#include "view.h"
#include "report_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct tr_error *recorded(const struct app *a, uint32_t i)
{
    uint32_t e = a->ix->errors[i].err;
    return e < a->t->nerrors ? &a->t->errors[e] : NULL;
}

/* The report as `ward report` prints it (malloc'd text). */
static char *report_text(struct app *a, const struct tr_error *e)
{
    size_t cap = 1 << 16;
    char *buf = malloc(cap), prefix[48];
    if (!buf)
        return NULL;
    fmt_t f;
    struct vsym_at at = { a->sym, e->ts };
    struct rt_report r = e->r;
    snprintf(prefix, sizeof prefix, "==%llu== ward: ", (unsigned long long)a->t->pid);
    fmt_init(&f, buf, cap, -1);
    struct rt_out out = { &f, prefix, vsym_print_stack, vsym_top_frame, &at };
    tr_error_names(a->t, e->ts, &r);
    rt_print(&out, &r);
    fmt_cstr(&f);
    return buf;
}

void view_error_open(struct app *a, uint32_t i)
{
    const struct tr_error *e = i < a->ix->h->nerrors ? recorded(a, i) : NULL;
    char title[160], when[32];
    if (!e) {
        view_message(a, true, "the trace has no report for this error");
        return;
    }
    char *text = report_text(a, e);
    ui_time(when, sizeof when, e->ts);
    snprintf(title, sizeof title, "error %u of %u: %s at %s", i + 1, a->ix->h->nerrors,
             rt_kind_name(e->r.kind), when);
    if (text)
        ui_overlay_open(a, title, text);
    free(text);
}

void view_error_jump(struct app *a, int dir)
{
    const struct ti_index *ix = a->ix;
    int64_t pick = -1;
    /* The cursor stands just after the error it shows (event cur - 1). */
    for (uint32_t i = 0; i < ix->h->nerrors; i++) {
        uint64_t e = ix->errors[i].event;
        if (dir > 0 && e >= a->m.cur) {
            pick = i;
            break;
        }
        if (dir < 0 && e + 1 < a->m.cur)
            pick = i;
    }
    if (pick < 0) {
        view_message(a, true, ix->h->nerrors ? "no error %s" : "the run reported no error",
                     dir > 0 ? "after the cursor" : "before the cursor");
        return;
    }
    view_seek(a, ix->errors[pick].event + 1);
    a->ls[PANE_ERRORS].sel = (int)pick;
    const struct tr_error *e = recorded(a, (uint32_t)pick);
    char when[32];
    ui_time(when, sizeof when, ix->errors[pick].ts);
    view_message(a, false, "error %lld of %u: %s at %s (Enter in Errors: the report)",
                 (long long)pick + 1, ix->h->nerrors, e ? rt_kind_name(e->r.kind) : "?", when);
}

/* "T0 (main)", or with a coroutine "T0 co 2 (consumer)". */
static void who(const struct app *a, const struct tr_error *e, char *buf, size_t n)
{
    const char *th = tr_thread_name(a->t, e->thread), *co = tr_coro_name(a->t, e->coro);
    if (e->coro)
        snprintf(buf, n, "T%u co %u%s%s%s", e->thread, e->coro, co ? " (" : "", co ? co : "",
                 co ? ")" : "");
    else
        snprintf(buf, n, "T%u%s%s%s", e->thread, th ? " (" : "", th ? th : "", th ? ")" : "");
}

static void draw_error(struct app *a, int y, uint32_t i, bool sel)
{
    const struct tr_error *e = recorded(a, i);
    char when[32], site[256], w[128], line[800];
    bool past = a->ix->errors[i].event < a->m.cur;
    ui_time(when, sizeof when, a->ix->errors[i].ts);
    if (!e) {
        snprintf(line, sizeof line, "   %10s  (no report recorded)", when);
    } else {
        uint32_t stack = e->r.kind == RT_LEAK ? e->r.alloc_stack : e->r.op_stack;
        vsym_site(a->sym, stack, e->ts, site, sizeof site);
        who(a, e, w, sizeof w);
        char kind[40];
        snprintf(kind, sizeof kind, "%s%s", rt_kind_name(e->r.kind), e->r.warning ? " (w)" : "");
        char who_cell[96];
        snprintf(line, sizeof line, " %s %10s  %-20s %s %s",
                 past ? ui_glyph(a, G_MARK) : " ", when, kind,
                 scr_fit(who_cell, sizeof who_cell, w, 18), site);
    }
    ui_row(a, y, line, sel, a->color && e && !e->r.warning ? SC_RED : 0);
}

static void draw(struct app *a, int y, int h)
{
    struct list_state *l = &a->ls[PANE_ERRORS];
    int n = (int)a->ix->h->nerrors;
    char head[256];
    snprintf(head, sizeof head, "   %10s  %-20s %-18s %s", "time", "kind", "who", "in");
    ui_header(a, y, head);
    ui_list_fit(l, n, h - 1);
    for (int i = 0; i < h - 1 && l->top + i < n; i++)
        draw_error(a, y + 1 + i, (uint32_t)(l->top + i), l->top + i == l->sel);
    if (!n && h > 1)
        scr_text(&a->scr, y + 1, 2, -1, "(the run reported no error)", SA_DIM, 0);
    else if (h > 2 && n < h - 2)
        scr_printf(&a->scr, y + 2 + n, 2, -1, SA_DIM, 0,
                   "%s: before the cursor   Enter: the report   j: go there   (w): warning",
                   ui_glyph(a, G_MARK));
}

static bool key(struct app *a, int k)
{
    struct list_state *l = &a->ls[PANE_ERRORS];
    int n = (int)a->ix->h->nerrors;
    bool moved = true;
    if (k == K_MOUSE && a->mouse.button == 1) {
        int row = l->top + a->mouse.y - a->pane_y - 1;
        if (row >= 0 && row < n)
            l->sel = row;
    } else if (k == K_MOUSE) {
        ui_list_key(l, a->mouse.button == 4 ? K_UP : K_DOWN, n, a->pane_h - 1, &moved);
    } else if (k == K_ENTER && l->sel < n) {
        view_error_open(a, (uint32_t)l->sel);
    } else if (k == 'j' && l->sel < n) {
        a->playing = false;
        view_seek(a, a->ix->errors[l->sel].event + 1);
    } else {
        ui_list_key(l, k, n, a->pane_h - 1, &moved);
    }
    return moved;
}

static bool error_matches(struct app *a, uint32_t i, const char *text)
{
    const struct tr_error *e = recorded(a, i);
    struct vs_frame f[64];
    if (!e)
        return false;
    if (ui_match(rt_kind_name(e->r.kind), text) || ui_match(tr_owner_name(a->t, e->r.owner), text) ||
        ui_match(tr_coro_name(a->t, e->coro), text))
        return true;
    uint32_t stacks[] = { e->r.op_stack, e->r.alloc_stack, e->r.free_stack };
    for (int s = 0; s < 3; s++) {
        int n = vsym_frames(a->sym, stacks[s], e->ts, f, 64);
        for (int j = 0; j < n; j++)
            if (ui_match(f[j].func, text))
                return true;
    }
    return false;
}

static bool search(struct app *a, const char *text, int dir)
{
    struct list_state *l = &a->ls[PANE_ERRORS];
    int n = (int)a->ix->h->nerrors;
    for (int step = 1; step <= n; step++) {
        int i = ((l->sel + dir * step) % n + n) % n;
        if (error_matches(a, (uint32_t)i, text)) {
            l->sel = i;
            return true;
        }
    }
    return false;
}

const struct pane_ops view_errors_pane = { "Errors", draw, key, search };
