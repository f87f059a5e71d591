/* The Sites view: the live heap at the cursor as a tree of call stacks,
 * like `memray tree`. Each allocation site's live bytes (its replay
 * tally) are added to every frame of its stack, from the outermost call
 * down, so a node holds what everything called through it holds. Nodes
 * are named by their path (a hash of the frames from the root), which
 * keeps them open or closed, and selected, as the cursor moves. */
#define _GNU_SOURCE
#include "view.h"
#include "view_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX
#define MAX_FRAMES (TR_MAX_FRAMES * SYM_MAX_INLINE)

struct tnode {
    const char *func, *file;    /* interned (view_sym.h); func NULL: the root */
    unsigned line;
    uint32_t parent, child, next;   /* first child, next sibling */
    uint64_t bytes, blocks;
    uint64_t path;
    uint32_t depth;
    bool open;
};

struct vtree {
    struct tnode *n;
    uint32_t nn, cap;
    struct vmap kids;           /* (parent, frame) -> node */
    struct vmap chosen;         /* path -> 1 open / 2 closed, as the user chose */
    bool closed;                /* 'c': everything starts closed */
    uint32_t *rows;             /* the nodes shown, in order */
    uint32_t nrows, caprows;
    uint64_t built;             /* the cursor it was built for; UINT64_MAX: none */
    uint64_t sel_path;
};

struct vtree *view_tree_new(void)
{
    struct vtree *t = calloc(1, sizeof *t);
    if (t)
        t->built = UINT64_MAX;
    return t;
}

void view_tree_free(struct vtree *t)
{
    if (!t)
        return;
    free(t->n);
    free(t->rows);
    vmap_free(&t->kids);
    vmap_free(&t->chosen);
    free(t);
}

static uint64_t frame_key(const char *func, const char *file, unsigned line)
{
    return vmap_mix(vmap_mix((uint64_t)(uintptr_t)func, (uint64_t)(uintptr_t)file), line);
}

struct kid_key {
    const struct vtree *t;
    uint32_t parent;
    const char *func, *file;
    unsigned line;
};

static bool is_kid(uint32_t val, void *arg)
{
    const struct kid_key *k = arg;
    const struct tnode *x = &k->t->n[val];
    return x->parent == k->parent && x->func == k->func && x->file == k->file &&
           x->line == k->line;
}

static uint32_t add_node(struct vtree *t, uint32_t parent, const char *func, const char *file,
                         unsigned line)
{
    if (t->nn == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 1024;
        struct tnode *n = realloc(t->n, cap * sizeof *n);
        if (!n)
            return NONE;
        t->n = n;
        t->cap = cap;
    }
    uint32_t i = t->nn++;
    struct tnode *x = &t->n[i];
    memset(x, 0, sizeof *x);
    x->func = func;
    x->file = file;
    x->line = line;
    x->parent = parent;
    x->child = x->next = NONE;
    x->path = parent == NONE ? 1 : vmap_mix(t->n[parent].path, frame_key(func, file, line));
    x->depth = parent == NONE ? 0 : t->n[parent].depth + 1;
    if (parent != NONE) {
        x->next = t->n[parent].child;
        t->n[parent].child = i;
    }
    return i;
}

/* The child of parent for this frame, made if new. */
static uint32_t child(struct vtree *t, uint32_t parent, const char *func, const char *file,
                      unsigned line)
{
    struct kid_key k = { t, parent, func, file, line };
    uint64_t h = vmap_mix(parent, frame_key(func, file, line));
    uint32_t i = vmap_get(&t->kids, h, is_kid, &k);
    if (i != NONE)
        return i;
    i = add_node(t, parent, func, file, line);
    if (i != NONE && vmap_put(&t->kids, h, i) < 0)
        return NONE;
    return i;
}

/* One site: its tally added along its stack, outermost frame first. */
static void add_site(struct app *a, struct vs_frame *f, uint32_t id, const struct rp_tally *x)
{
    struct vtree *t = a->tree;
    int n = vsym_frames(a->sym, id, a->m.r.ts, f, MAX_FRAMES);
    uint32_t node = 0;
    t->n[0].bytes += x->live_bytes;
    t->n[0].blocks += x->live_blocks;
    if (n == 0) {
        f[0] = (struct vs_frame){ 0, "<no stack>", "", 0, NULL, 0 };
        n = 1;
    }
    for (int i = n - 1; i >= 0 && node != NONE; i--) {
        node = child(t, node, f[i].func, f[i].file[0] ? f[i].file : f[i].module, f[i].line);
        if (node != NONE) {
            t->n[node].bytes += x->live_bytes;
            t->n[node].blocks += x->live_blocks;
        }
    }
}

static int by_bytes(const void *pa, const void *pb, void *arg)
{
    const struct tnode *n = arg;
    const struct tnode *x = &n[*(const uint32_t *)pa], *y = &n[*(const uint32_t *)pb];
    if (x->bytes != y->bytes)
        return x->bytes < y->bytes ? 1 : -1;
    return *(const uint32_t *)pa > *(const uint32_t *)pb ? 1 : -1;
}

/* Children largest first; a node is open as the user chose, or else if it
 * is the root or the largest child of an open node (the heaviest path
 * shows at once), unless 'c' closed everything. */
static void order_and_open(struct vtree *t, uint32_t *scratch)
{
    for (uint32_t i = 0; i < t->nn; i++) {
        uint32_t k = 0;
        for (uint32_t c = t->n[i].child; c != NONE; c = t->n[c].next)
            scratch[k++] = c;
        qsort_r(scratch, k, sizeof *scratch, by_bytes, t->n);
        t->n[i].child = k ? scratch[0] : NONE;
        for (uint32_t j = 0; j < k; j++)
            t->n[scratch[j]].next = j + 1 < k ? scratch[j + 1] : NONE;
    }
    /* Nodes come after their parents, so one pass in order sees parents
     * decided first. */
    for (uint32_t i = 0; i < t->nn; i++) {
        struct tnode *x = &t->n[i];
        uint32_t c = vmap_get(&t->chosen, x->path, NULL, NULL);
        bool largest = x->parent != NONE && t->n[x->parent].child == i;
        x->open = c != NONE ? c == 1
                            : x->parent == NONE || (!t->closed && largest && t->n[x->parent].open);
    }
}

static void flatten(struct vtree *t)
{
    t->nrows = 0;
    if (t->caprows < t->nn) {
        uint32_t *r = realloc(t->rows, t->nn * sizeof *r);
        if (!r)
            return;
        t->rows = r;
        t->caprows = t->nn;
    }
    /* Depth first, without recursion: stacks may be 500 frames deep. */
    uint32_t i = t->nn ? 0 : NONE;
    while (i != NONE) {
        t->rows[t->nrows++] = i;
        if (t->n[i].open && t->n[i].child != NONE) {
            i = t->n[i].child;
            continue;
        }
        while (i != NONE && t->n[i].next == NONE)
            i = t->n[i].parent;
        i = i == NONE ? NONE : t->n[i].next;
    }
}

static void build(struct app *a)
{
    struct vtree *t = a->tree;
    const struct replay *r = &a->m.r;
    struct vs_frame *f = malloc(MAX_FRAMES * sizeof *f);
    t->nn = 0;
    vmap_clear(&t->kids);
    if (!f || add_node(t, NONE, NULL, NULL, 0) == NONE) {
        free(f);
        return;
    }
    for (uint32_t id = 0; id < r->nsites; id++)
        if (r->sites[id].live_blocks || r->sites[id].live_bytes)
            add_site(a, f, id, &r->sites[id]);
    free(f);
    uint32_t *scratch = malloc((t->nn + 1) * sizeof *scratch);
    if (scratch)
        order_and_open(t, scratch);
    free(scratch);
    flatten(t);
    t->built = a->m.cur;
}

/* Keeps the tree in step with the cursor, and the selection on its node. */
static void refresh(struct app *a)
{
    struct vtree *t = a->tree;
    struct list_state *l = &a->ls[PANE_SITES];
    if (t->built != a->m.cur)
        build(a);
    for (uint32_t i = 0; i < t->nrows; i++)
        if (t->n[t->rows[i]].path == t->sel_path)
            l->sel = (int)i;
    ui_list_fit(l, (int)t->nrows, a->pane_h - 1);
    if (t->nrows)
        t->sel_path = t->n[t->rows[l->sel]].path;
}

static void label(const struct tnode *x, char *buf, size_t n)
{
    if (!x->func)
        snprintf(buf, n, "all live blocks");
    else if (x->file && x->line)
        snprintf(buf, n, "%s %s:%u", x->func, vsym_base(x->file), x->line);
    else if (x->file && x->file[0])
        snprintf(buf, n, "%s (%s)", x->func, vsym_base(x->file));
    else
        snprintf(buf, n, "%s", x->func);
}

static void draw_node(struct app *a, int y, const struct tnode *x, bool sel)
{
    const struct tnode *root = &a->tree->n[0];
    char name[600], line[800];
    int max_indent = (a->scr.w - 40) / 2 > 4 ? (a->scr.w - 40) / 2 : 4;
    int indent = (int)x->depth < max_indent ? (int)x->depth : max_indent;
    const char *g = x->child == NONE ? ui_glyph(a, G_LEAF)
                  : ui_glyph(a, x->open ? G_OPEN : G_CLOSED);
    label(x, name, sizeof name);
    snprintf(line, sizeof line, " %12llu %9llu %5.1f%% %*s%s %s%s",
             (unsigned long long)x->bytes, (unsigned long long)x->blocks,
             root->bytes ? 100.0 * (double)x->bytes / (double)root->bytes : 0.0, 2 * indent, "",
             g, (int)x->depth > max_indent ? "... " : "", name);
    ui_row(a, y, line, sel, 0);
}

static void draw(struct app *a, int y, int h)
{
    struct vtree *t = a->tree;
    struct list_state *l = &a->ls[PANE_SITES];
    char head[256], now[32];
    if (!t)
        return;
    refresh(a);
    ui_time(now, sizeof now, a->m.cur ? a->m.r.ts : 0);
    snprintf(head, sizeof head, " %12s %9s %6s  allocation sites live at %s", "live bytes",
             "blocks", "share", now);
    ui_header(a, y, head);
    for (int i = 0; i < h - 1 && l->top + i < (int)t->nrows; i++)
        draw_node(a, y + 1 + i, &t->n[t->rows[l->top + i]], l->top + i == l->sel);
    if (t->nrows <= 1 && h > 2)
        scr_text(&a->scr, y + 2, 2, -1, "(nothing is live at the cursor)", SA_DIM, 0);
}

static void choose(struct vtree *t, uint32_t i, bool open)
{
    vmap_set(&t->chosen, t->n[i].path, open ? 1 : 2);
    t->n[i].open = open;
}

static bool under(const struct vtree *t, uint32_t i, uint32_t top)
{
    for (; i != NONE; i = t->n[i].parent)
        if (i == top)
            return true;
    return false;
}

static bool key(struct app *a, int k)
{
    struct vtree *t = a->tree;
    struct list_state *l = &a->ls[PANE_SITES];
    bool moved;
    if (!t)
        return false;
    refresh(a);
    uint32_t sel = t->nrows ? t->rows[l->sel] : NONE;
    if (k == K_MOUSE && a->mouse.button == 1) {
        int row = l->top + a->mouse.y - a->pane_y - 1;
        if (row >= 0 && row < (int)t->nrows) {
            if (row == l->sel && t->n[t->rows[row]].child != NONE)
                choose(t, t->rows[row], !t->n[t->rows[row]].open);
            l->sel = row;
        }
    } else if (k == K_MOUSE) {
        ui_list_key(l, a->mouse.button == 4 ? K_UP : K_DOWN, (int)t->nrows, a->pane_h - 1,
                    &moved);
    } else if ((k == K_ENTER || k == 'o') && sel != NONE && t->n[sel].child != NONE) {
        choose(t, sel, !t->n[sel].open);
    } else if (k == '*' && sel != NONE) {
        for (uint32_t i = 0; i < t->nn; i++)
            if (t->n[i].child != NONE && under(t, i, sel))
                choose(t, i, true);
    } else if (k == 'c') {
        vmap_clear(&t->chosen);
        t->closed = true;
        t->built = UINT64_MAX;
        l->sel = 0;
    } else {
        ui_list_key(l, k, (int)t->nrows, a->pane_h - 1, &moved);
        if (!moved)
            return false;
    }
    flatten(t);
    if (t->nrows) {
        ui_list_fit(l, (int)t->nrows, a->pane_h - 1);
        t->sel_path = t->n[t->rows[l->sel]].path;
    }
    return true;
}

/* The next node in depth-first order over the whole tree, open or not. */
static uint32_t next_node(const struct vtree *t, uint32_t i)
{
    if (t->n[i].child != NONE)
        return t->n[i].child;
    while (i != NONE && t->n[i].next == NONE)
        i = t->n[i].parent;
    return i == NONE ? 0 : t->n[i].next;
}

/* The node before i in that order. */
static uint32_t prev_node(const struct vtree *t, uint32_t i)
{
    uint32_t p = t->n[i].parent, c;
    if (i == 0) {                        /* wrap to the last node */
        for (c = 0; t->n[c].child != NONE;)
            for (c = t->n[c].child; t->n[c].next != NONE;)
                c = t->n[c].next;
        return c;
    }
    if (t->n[p].child == i)
        return p;
    for (c = t->n[p].child; t->n[c].next != i;)
        c = t->n[c].next;
    while (t->n[c].child != NONE)
        for (c = t->n[c].child; t->n[c].next != NONE;)
            c = t->n[c].next;
    return c;
}

static bool search(struct app *a, const char *text, int dir)
{
    struct vtree *t = a->tree;
    struct list_state *l = &a->ls[PANE_SITES];
    if (!t)
        return false;
    refresh(a);
    if (t->nn == 0)
        return false;
    uint32_t i = t->nrows ? t->rows[l->sel] : 0;
    for (uint32_t n = 0; n < t->nn; n++) {
        i = dir > 0 ? next_node(t, i) : prev_node(t, i);
        if (!t->n[i].func || !(ui_match(t->n[i].func, text) ||
                               (t->n[i].file && ui_match(vsym_base(t->n[i].file), text))))
            continue;
        for (uint32_t p = t->n[i].parent; p != NONE; p = t->n[p].parent)
            choose(t, p, true);
        t->sel_path = t->n[i].path;
        flatten(t);
        refresh(a);
        return true;
    }
    return false;
}

const struct pane_ops view_tree_pane = { "Sites", draw, key, search };
