/* The Heap view: the live heap at the cursor by owner and by coroutine,
 * from the replay's tallies (the same figures as `ward report`'s owners
 * and coroutines, at the cursor instead of at the end). */
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct hrow {
    enum rp_kind kind;          /* RP_OWNERS or RP_COROS */
    uint32_t id;
    const struct rp_tally *x;
};

static int by_live(const void *pa, const void *pb)
{
    const struct hrow *x = pa, *y = pb;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->x->live_bytes != y->x->live_bytes)
        return x->x->live_bytes < y->x->live_bytes ? 1 : -1;
    return (x->id > y->id) - (x->id < y->id);
}

static bool has_coros(const struct app *a)
{
    for (uint32_t id = 1; id < a->t->ncoros; id++)
        if (a->t->coros[id].seen)
            return true;
    return false;
}

/* The owners, then the coroutines, that ever held something; by live
 * bytes. Returns how many (rows is malloc'd). */
static int gather(struct app *a, struct hrow **rows)
{
    const struct replay *r = &a->m.r;
    int n = 0;
    *rows = malloc(((size_t)r->nowners + r->ncoros + 1) * sizeof **rows);
    if (!*rows)
        return 0;
    for (uint32_t id = 0; id < r->nowners; id++)
        if (r->owners[id].allocs || r->owners[id].peak_bytes)
            (*rows)[n++] = (struct hrow){ RP_OWNERS, id, &r->owners[id] };
    for (uint32_t id = 0; has_coros(a) && id < r->ncoros; id++)
        if (r->coros[id].allocs || r->coros[id].peak_bytes)
            (*rows)[n++] = (struct hrow){ RP_COROS, id, &r->coros[id] };
    qsort(*rows, (size_t)n, sizeof **rows, by_live);
    return n;
}

static void row_name(const struct app *a, const struct hrow *h, char *buf, size_t n)
{
    if (h->kind == RP_OWNERS) {
        snprintf(buf, n, "%s", tr_owner_name(a->t, h->id));
        return;
    }
    const char *nm = tr_coro_name(a->t, h->id);
    if (h->id == 0)
        snprintf(buf, n, "0 (outside coroutines)");
    else
        snprintf(buf, n, "%u%s%s%s", h->id, nm ? " (" : "", nm ? nm : "", nm ? ")" : "");
}

static void headline(struct app *a, int y)
{
    const struct replay *r = &a->m.r;
    char t[32], live[32], peak[32], allocs[32];
    ui_time(t, sizeof t, a->m.cur ? r->ts : 0);
    ui_size(live, sizeof live, r->live_bytes);
    ui_size(peak, sizeof peak, r->peak_bytes);
    ui_count(allocs, sizeof allocs, r->allocs);
    scr_printf(&a->scr, y, 0, -1, SA_BOLD, 0, " at %s: %s in %llu block%s, peak so far %s, %s allocations",
               t, live, (unsigned long long)r->live_blocks, r->live_blocks == 1 ? "" : "s", peak,
               allocs);
}

static void column_heads(struct app *a, int y, const char *what)
{
    char line[256];
    snprintf(line, sizeof line, " %-28s %12s %9s %12s %12s", what, "live bytes", "blocks",
             "peak bytes", "allocations");
    ui_header(a, y, line);
}

static void draw_row(struct app *a, int y, const struct hrow *h, bool sel)
{
    char name[128], cell[128], line[256];
    row_name(a, h, name, sizeof name);
    snprintf(line, sizeof line, " %s %12llu %9llu %12llu %12llu",
             scr_fit(cell, sizeof cell, name, 28),
             (unsigned long long)h->x->live_bytes, (unsigned long long)h->x->live_blocks,
             (unsigned long long)h->x->peak_bytes, (unsigned long long)h->x->allocs);
    ui_row(a, y, line, sel, 0);
}

/* The lines as drawn: headers are rows too, but the selection skips
 * them. line_of[i] is the line of row i. */
static int lay_out(const struct hrow *rows, int n, int *line_of)
{
    int line = 1;                       /* after the owners' header */
    for (int i = 0; i < n; i++) {
        if (i > 0 && rows[i].kind != rows[i - 1].kind)
            line += 2;                  /* a blank line and the coroutines' header */
        line_of[i] = line++;
    }
    return line;
}

static void draw(struct app *a, int y, int h)
{
    struct hrow *rows;
    int n = gather(a, &rows);
    int *line_of = malloc(((size_t)n + 1) * sizeof *line_of);
    struct list_state *l = &a->ls[PANE_HEAP];
    headline(a, y);
    if (!line_of || h < 3) {
        free(rows);
        free(line_of);
        return;
    }
    int lines = lay_out(rows, n, line_of), body = h - 1;
    l->sel = l->sel >= n ? n - 1 : l->sel < 0 ? 0 : l->sel;
    /* l->top counts lines here: scroll so that the selected row shows,
     * with its header when it is the first. */
    int at = n ? line_of[l->sel] : 0, top = l->top;
    top = top > at - 1 ? at - 1 : top;
    top = at >= top + body ? at - body + 1 : top;
    top = top > lines - body ? lines - body : top;
    top = top < 0 ? 0 : top;
    l->top = top;
    if (top == 0)
        column_heads(a, y + 1, "owner");
    for (int i = 0; i < n; i++) {
        int ly = line_of[i] - top;
        if (i > 0 && rows[i].kind != rows[i - 1].kind && ly - 1 >= 0 && ly - 1 < body)
            column_heads(a, y + 1 + ly - 1, "coroutine");
        if (ly >= 0 && ly < body)
            draw_row(a, y + 1 + ly, &rows[i], i == l->sel);
    }
    if (!has_coros(a) && lines + 1 - top < body)
        scr_text(&a->scr, y + 1 + lines + 1 - top, 1, -1, "(no coroutines in this trace)",
                 SA_DIM, 0);
    free(rows);
    free(line_of);
}

static bool key(struct app *a, int k)
{
    struct hrow *rows;
    int n = gather(a, &rows);
    struct list_state *l = &a->ls[PANE_HEAP];
    if (k == K_MOUSE && a->mouse.button == 1) {
        /* Rows and lines differ by the headers: find the row on that line. */
        int *line_of = malloc(((size_t)n + 1) * sizeof *line_of);
        if (line_of) {
            lay_out(rows, n, line_of);
            for (int i = 0; i < n; i++)
                if (line_of[i] - l->top == a->mouse.y - a->pane_y - 1)
                    l->sel = i;
        }
        free(line_of);
        free(rows);
        return true;
    }
    if (k == K_MOUSE)
        k = a->mouse.button == 4 ? K_UP : K_DOWN;
    bool moved = ui_sel_key(&l->sel, k, n, a->pane_h - 2);
    free(rows);
    return moved;
}

static bool search(struct app *a, const char *text, int dir)
{
    struct hrow *rows;
    char name[128];
    int n = gather(a, &rows);
    struct list_state *l = &a->ls[PANE_HEAP];
    for (int step = 1; step <= n; step++) {     /* from the next, round to itself */
        int i = ((l->sel + dir * step) % n + n) % n;
        row_name(a, &rows[i], name, sizeof name);
        if (ui_match(name, text)) {
            l->sel = i;
            free(rows);
            return true;
        }
    }
    free(rows);
    return false;
}

const struct pane_ops view_heap_pane = { "Heap", draw, key, search };
