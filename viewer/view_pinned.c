/* The Pinned view: the pinned blocks live at the cursor (replay.c keeps
 * them, and the index's checkpoints carry them), where each was allocated
 * and pinned. */
#include "view.h"
#include "report_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pinned {
    struct rp_block *b;
    uint32_t n, cap;
};

static void collect(const struct rp_block *b, void *arg)
{
    struct pinned *p = arg;
    if (!b->pin_stack)
        return;
    if (p->n == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 64;
        struct rp_block *x = realloc(p->b, cap * sizeof *x);
        if (!x)
            return;
        p->b = x;
        p->cap = cap;
    }
    p->b[p->n++] = *b;
}

static int by_time(const void *pa, const void *pb)
{
    const struct rp_block *x = pa, *y = pb;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return (x->addr > y->addr) - (x->addr < y->addr);
}

/* The pinned blocks, oldest first; free p.b. */
static struct pinned gather(struct app *a)
{
    struct pinned p = { NULL, 0, 0 };
    if (a->m.r.pinned_live)
        rp_foreach(&a->m.r, collect, &p);
    if (p.n)
        qsort(p.b, p.n, sizeof *p.b, by_time);
    return p;
}

static void draw_block(struct app *a, int y, const struct rp_block *b, bool sel)
{
    char site[256], pin[256], line[800];
    vsym_site(a->sym, b->stack, b->ts, site, sizeof site);
    vsym_site(a->sym, b->pin_stack, a->m.r.ts, pin, sizeof pin);
    char owner_cell[64], site_cell[128];
    snprintf(line, sizeof line, " %#14llx %9llu %s %s %s",
             (unsigned long long)b->addr, (unsigned long long)b->size,
             scr_fit(owner_cell, sizeof owner_cell, tr_owner_name(a->t, b->owner), 10),
             scr_fit(site_cell, sizeof site_cell, site, 22), pin);
    ui_row(a, y, line, sel, 0);
}

static void draw(struct app *a, int y, int h)
{
    struct pinned p = gather(a);
    struct list_state *l = &a->ls[PANE_PINNED];
    char head[256];
    snprintf(head, sizeof head, " %14s %9s %-10s %-22s %s", "address", "bytes", "owner",
             "allocated at", "pinned at");
    ui_header(a, y, head);
    ui_list_fit(l, (int)p.n, h - 1);
    for (int i = 0; i < h - 1 && l->top + i < (int)p.n; i++)
        draw_block(a, y + 1 + i, &p.b[l->top + i], l->top + i == l->sel);
    if (!p.n && h > 1)
        scr_text(&a->scr, y + 1, 2, -1, "(no pinned block is live at the cursor)", SA_DIM, 0);
    free(p.b);
}

/* A page with the block and its two stacks. */
static void open_block(struct app *a, const struct rp_block *b)
{
    char buf[32768], size[32], when[32], title[128];
    fmt_t f;
    struct vsym_at at = { a->sym, b->ts };
    fmt_init(&f, buf, sizeof buf, -1);
    ui_size(size, sizeof size, b->size);
    ui_time(when, sizeof when, b->ts);
    fmt_str(&f, "block ");
    fmt_hex(&f, b->addr);
    fmt_str(&f, " of ");
    fmt_u64(&f, b->size);
    fmt_str(&f, " bytes (");
    fmt_str(&f, size);
    fmt_str(&f, "), owner \"");
    fmt_str(&f, tr_owner_name(a->t, b->owner));
    fmt_str(&f, "\", pinned\n\nallocated at ");
    fmt_str(&f, when);
    fmt_str(&f, " by ");
    struct rt_ctx c = { true, b->thread, tr_thread_name(a->t, b->thread), b->coro,
                        b->coro ? tr_coro_name(a->t, b->coro) : NULL };
    rt_ctx_text(&f, &c);
    fmt_str(&f, ":\n");
    vsym_print_stack(&at, &f, b->stack);
    fmt_str(&f, "\npinned at:\n");
    at.ts = a->m.r.ts;
    vsym_print_stack(&at, &f, b->pin_stack);
    snprintf(title, sizeof title, "pinned block %#llx", (unsigned long long)b->addr);
    ui_overlay_open(a, title, fmt_cstr(&f));
}

static bool key(struct app *a, int k)
{
    struct pinned p = gather(a);
    struct list_state *l = &a->ls[PANE_PINNED];
    bool moved = true;
    if (k == K_MOUSE && a->mouse.button == 1) {
        int row = l->top + a->mouse.y - a->pane_y - 1;
        if (row >= 0 && row < (int)p.n)
            l->sel = row;
    } else if (k == K_MOUSE) {
        ui_list_key(l, a->mouse.button == 4 ? K_UP : K_DOWN, (int)p.n, a->pane_h - 1, &moved);
    } else if (k == K_ENTER && l->sel < (int)p.n) {
        open_block(a, &p.b[l->sel]);
    } else {
        ui_list_key(l, k, (int)p.n, a->pane_h - 1, &moved);
    }
    free(p.b);
    return moved;
}

static bool search(struct app *a, const char *text, int dir)
{
    struct pinned p = gather(a);
    struct list_state *l = &a->ls[PANE_PINNED];
    char site[256];
    bool found = false;
    for (uint32_t step = 1; step <= p.n && !found; step++) {
        int i = (int)(((int64_t)l->sel + dir * (int64_t)step) % p.n + p.n) % (int)p.n;
        vsym_site(a->sym, p.b[i].stack, p.b[i].ts, site, sizeof site);
        if (ui_match(tr_owner_name(a->t, p.b[i].owner), text) || ui_match(site, text)) {
            l->sel = i;
            found = true;
        }
    }
    free(p.b);
    return found;
}

const struct pane_ops view_pinned_pane = { "Pinned", draw, key, search };
