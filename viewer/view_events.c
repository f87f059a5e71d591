/* The Events view: the events around the cursor, one a line, with the
 * thread, coroutine, owner, size, address and where; under them, the
 * current event (the last one replayed) in full, with its stacks. The
 * model keeps VM_BEHIND events before the cursor and VM_AHEAD after. */
#include "view.h"
#include "report_text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *type_name(uint8_t type)
{
    static const char *const names[TR_TYPE_COUNT] = {
        [TR_HEADER] = "header",    [TR_END] = "end",          [TR_STACK] = "stack",
        [TR_OWNER] = "owner",      [TR_MODULE] = "module",    [TR_MODULES_RESET] = "modules",
        [TR_ALLOC] = "alloc",      [TR_FREE] = "free",        [TR_REALLOC] = "realloc",
        [TR_PIN] = "pin",          [TR_UNPIN] = "unpin",      [TR_OWNER_PUSH] = "own-push",
        [TR_OWNER_POP] = "own-pop", [TR_OWNER_SET] = "own-set", [TR_THREAD_START] = "thr-start",
        [TR_THREAD_NAME] = "thr-name", [TR_THREAD_END] = "thr-end", [TR_CORO_CREATE] = "co-make",
        [TR_CORO_SWITCH] = "co-switch", [TR_CORO_NAME] = "co-name", [TR_CORO_EXIT] = "co-exit",
        [TR_ERROR] = "ERROR",
    };
    return type < TR_TYPE_COUNT && names[type] ? names[type] : "?";
}

/* The stack an event is about (its own, else the allocation's), and the
 * owner it names. */
static uint32_t event_stack(const struct tr_event *ev)
{
    if (ev->type == TR_ERROR)
        return 0;
    return ev->stack ? ev->stack : ev->stack2;
}

static bool has_owner(const struct tr_event *ev)
{
    return ev->type == TR_ALLOC || ev->type == TR_FREE || ev->type == TR_REALLOC ||
           ev->type == TR_OWNER_PUSH || ev->type == TR_OWNER_SET;
}

static bool has_block(const struct tr_event *ev)
{
    return ev->type == TR_ALLOC || ev->type == TR_FREE || ev->type == TR_REALLOC ||
           ev->type == TR_PIN || ev->type == TR_UNPIN || ev->type == TR_OWNER_SET ||
           ev->type == TR_ERROR;
}

/* What the last column says: where, or what the event is about. */
static void what(struct app *a, const struct vm_event *x, char *buf, size_t n)
{
    const struct tr_event *ev = &x->ev;
    const char *name;
    switch (ev->type) {
    case TR_OWNER_SET:
        snprintf(buf, n, "%s -> %s", tr_owner_name(a->t, ev->owner), tr_owner_name(a->t, ev->owner2));
        return;
    case TR_CORO_SWITCH:
        name = tr_coro_name(a->t, ev->coro2);
        snprintf(buf, n, "to coroutine %u%s%s%s", ev->coro2, name ? " (" : "", name ? name : "",
                 name ? ")" : "");
        return;
    case TR_CORO_CREATE:
    case TR_CORO_EXIT:
        snprintf(buf, n, "coroutine %u", ev->coro2);
        return;
    case TR_THREAD_NAME:
    case TR_CORO_NAME:
        snprintf(buf, n, "\"%s\"", x->text);
        return;
    case TR_ERROR:
        snprintf(buf, n, "%s (Enter: the report)", x->text);
        return;
    }
    if (event_stack(ev))
        vsym_site(a->sym, event_stack(ev), ev->ts, buf, n);
    else
        buf[0] = '\0';
}

/* Narrow terminals leave out the time (the status line and the current
 * event's details have it) to keep room for where. */
static bool wide(const struct app *a)
{
    return a->scr.w >= 100;
}

static void draw_event(struct app *a, int y, const struct vm_event *x, bool current)
{
    const struct tr_event *ev = &x->ev;
    char size[24] = "", addr[24] = "", owner[40] = "", coro[16] = "", time[24] = "";
    char where[512], line[800];
    if (ev->size || ev->type == TR_ALLOC || ev->type == TR_REALLOC || ev->type == TR_FREE)
        snprintf(size, sizeof size, "%llu", (unsigned long long)ev->size);
    if (has_block(ev))
        snprintf(addr, sizeof addr, "%#llx",
                 (unsigned long long)(ev->type == TR_REALLOC ? ev->addr2 : ev->addr));
    if (has_owner(ev) && ev->type != TR_OWNER_SET)
        snprintf(owner, sizeof owner, "%s", tr_owner_name(a->t, ev->owner));
    if (ev->coro)
        snprintf(coro, sizeof coro, "%u", ev->coro);
    if (wide(a))
        snprintf(time, sizeof time, " %10.6f", (double)ev->ts / 1e9);
    what(a, x, where, sizeof where);
    char owner_cell[64];
    snprintf(line, sizeof line, "%s%7llu%s T%-2u %2s %-9s %7s %14s %s %s",
             current ? ui_glyph(a, G_PLAY) : " ", (unsigned long long)x->n + 1, time,
             ev->thread, coro, type_name(ev->type), size, addr,
             scr_fit(owner_cell, sizeof owner_cell, owner, 8), where);
    int attr = current ? SA_REVERSE | SA_BOLD : 0;
    if (current)
        scr_fill(&a->scr, y, 0, a->scr.w, ' ', attr, 0);
    scr_text(&a->scr, y, 0, -1, line, attr,
             !current && a->color && ev->type == TR_ERROR ? SC_RED : 0);
}

/* An error event: its kind and the stack of the bad operation. */
static void describe_error(struct app *a, const struct vm_event *x, fmt_t *f)
{
    uint32_t i = x->err >= 0 ? a->ix->errors[x->err].err : UINT32_MAX;
    const struct tr_error *e = i < a->t->nerrors ? &a->t->errors[i] : NULL;
    struct vsym_at at = { a->sym, x->ev.ts };
    if (!e)
        return;
    fmt_str(f, e->r.op[0] ? e->r.op : "at");
    fmt_str(f, " (Enter: the whole report):\n");
    vsym_print_stack(&at, f, e->r.kind == RT_LEAK ? e->r.alloc_stack : e->r.op_stack);
}

/* The current event in full: a few lines, then its stacks. */
static void describe(struct app *a, const struct vm_event *x, fmt_t *f)
{
    const struct tr_event *ev = &x->ev;
    char when[32], line[512];
    struct vsym_at at = { a->sym, ev->ts };
    struct rt_ctx c = { true, ev->thread, tr_thread_name(a->t, ev->thread), ev->coro,
                        ev->coro ? tr_coro_name(a->t, ev->coro) : NULL };
    ui_time(when, sizeof when, ev->ts);
    snprintf(line, sizeof line, "event %llu at %s (%llu ns): %s", (unsigned long long)x->n + 1,
             when, (unsigned long long)ev->ts, type_name(ev->type));
    fmt_str(f, line);
    if (ev->type == TR_ERROR) {
        snprintf(line, sizeof line, " %s on %#llx", x->text, (unsigned long long)ev->addr);
        fmt_str(f, line);
    } else if (ev->size || has_block(ev)) {
        snprintf(line, sizeof line, " of %llu bytes at %#llx", (unsigned long long)ev->size,
                 (unsigned long long)(ev->type == TR_REALLOC ? ev->addr2 : ev->addr));
        fmt_str(f, line);
    }
    if (ev->type == TR_REALLOC) {
        snprintf(line, sizeof line, " (was %llu bytes at %#llx)", (unsigned long long)ev->size2,
                 (unsigned long long)ev->addr);
        fmt_str(f, line);
    }
    fmt_str(f, "\nby ");
    rt_ctx_text(f, &c);
    if (has_owner(ev)) {
        fmt_str(f, ", owner \"");
        fmt_str(f, tr_owner_name(a->t, ev->owner));
        fmt_str(f, ev->type == TR_OWNER_SET ? "\" -> \"" : "\"");
        if (ev->type == TR_OWNER_SET) {
            fmt_str(f, tr_owner_name(a->t, ev->owner2));
            fmt_str(f, "\"");
        }
    }
    fmt_str(f, "\n");
    if (ev->type == TR_ERROR)
        describe_error(a, x, f);
    if (ev->stack && ev->type != TR_ERROR) {
        fmt_str(f, ev->type == TR_CORO_SWITCH ? "yielded at:\n" : "at:\n");
        vsym_print_stack(&at, f, ev->stack);
    }
    if (ev->stack2 && (ev->type == TR_FREE || ev->type == TR_REALLOC)) {
        fmt_str(f, ev->type == TR_FREE ? "allocated at:\n" : "the old block was allocated at:\n");
        vsym_print_stack(&at, f, ev->stack2);
    }
}

static void draw_detail(struct app *a, int y, int h)
{
    const struct vm_event *x = vm_behind(&a->m, 0);
    char buf[16384];
    fmt_t f;
    ui_header(a, y, " the current event (the last replayed)");
    if (!x) {
        scr_text(&a->scr, y + 1, 1, -1, "the start of the trace: no event yet", SA_DIM, 0);
        return;
    }
    fmt_init(&f, buf, sizeof buf, -1);
    describe(a, x, &f);
    char *p = (char *)fmt_cstr(&f);
    for (int r = 1; r < h && p && *p; r++) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        scr_text(&a->scr, y + r, 0, -1, p, 0, 0);
        p = nl ? nl + 1 : NULL;
    }
}

static int list_rows(int h)
{
    return h <= 6 ? h - 1 : h - 1 - (h - 1) * 2 / 5;
}

static void draw(struct app *a, int y, int h)
{
    int rows = list_rows(h), above = (rows - 1) / 2 + 1;
    char head[256];
    snprintf(head, sizeof head, " %7s%s %-3s %2s %-9s %7s %14s %-8s %s", "event",
             wide(a) ? "       time" : "", "thr", "co", "type", "size", "address", "owner",
             "where");
    ui_header(a, y, head);
    /* The current event (behind 0) in the middle, earlier ones above it. */
    for (int r = 0; r < rows; r++) {
        const struct vm_event *x = r < above ? vm_behind(&a->m, (uint32_t)(above - 1 - r))
                                             : vm_ahead(&a->m, (uint32_t)(r - above));
        if (x)
            draw_event(a, y + 1 + r, x, r == above - 1);
        else if (r == above - 1)
            scr_text(&a->scr, y + 1 + r, 0, -1, "   (the start of the trace)", SA_DIM, 0);
    }
    if (h > rows + 1)
        draw_detail(a, y + 1 + rows, h - 1 - rows);
}

static bool key(struct app *a, int k)
{
    const struct vm_event *x = vm_behind(&a->m, 0);
    int page = list_rows(a->pane_h) - 1;
    if (k == K_UP || k == K_DOWN || k == K_PGUP || k == K_PGDN)
        a->playing = false;             /* stepping by hand */
    switch (k) {
    case K_UP:
        view_seek(a, a->m.cur ? a->m.cur - 1 : 0);
        return true;
    case K_DOWN:
        view_seek(a, a->m.cur + 1);
        return true;
    case K_PGUP:
        view_seek(a, a->m.cur > (uint64_t)page ? a->m.cur - (uint64_t)page : 0);
        return true;
    case K_PGDN:
        view_seek(a, a->m.cur + (uint64_t)page);
        return true;
    case K_ENTER:
        if (x && x->ev.type == TR_ERROR && x->err >= 0)
            view_error_open(a, (uint32_t)x->err);
        return true;
    case K_MOUSE:
        if (a->mouse.button == 4 || a->mouse.button == 5)
            view_seek(a, a->mouse.button == 4 ? (a->m.cur ? a->m.cur - 1 : 0) : a->m.cur + 1);
        else {
            int rows = list_rows(a->pane_h), above = (rows - 1) / 2 + 1;
            int r = a->mouse.y - a->pane_y - 1;
            int64_t to = (int64_t)a->m.cur + (r - (above - 1));
            if (r >= 0 && r < rows)         /* that event becomes the current one */
                view_seek(a, to < 0 ? 0 : (uint64_t)to);
        }
        return true;
    }
    return false;
}

/* ---- search: scans the trace from the cursor ---- */

struct find {
    struct app *a;
    const char *text;
    uint8_t *stacks;            /* per stack id: 0 not looked at, 1 no match, 2 match */
};

static bool stack_matches(struct find *fd, uint32_t stack, uint64_t ts)
{
    struct vs_frame f[TR_MAX_FRAMES];
    if (!stack || stack >= fd->a->t->nstacks)
        return false;
    if (!fd->stacks[stack]) {
        int n = vsym_frames(fd->a->sym, stack, ts, f, TR_MAX_FRAMES);
        fd->stacks[stack] = 1;
        for (int i = 0; i < n; i++)
            if (ui_match(f[i].func, fd->text))
                fd->stacks[stack] = 2;
    }
    return fd->stacks[stack] == 2;
}

static bool event_matches(const struct tr_event *ev, void *arg)
{
    struct find *fd = arg;
    const struct tr_trace *t = fd->a->t;
    if (has_owner(ev) && ui_match(tr_owner_name(t, ev->owner), fd->text))
        return true;
    if (ev->type == TR_OWNER_SET && ui_match(tr_owner_name(t, ev->owner2), fd->text))
        return true;
    if (ui_match(tr_coro_name(t, ev->coro), fd->text) ||
        (ev->type == TR_CORO_SWITCH && ui_match(tr_coro_name(t, ev->coro2), fd->text)))
        return true;
    if (ev->type == TR_ERROR && ev->err)
        return stack_matches(fd, ev->err->r.op_stack, ev->ts) ||
               stack_matches(fd, ev->err->r.alloc_stack, ev->ts) ||
               stack_matches(fd, ev->err->r.free_stack, ev->ts);
    return stack_matches(fd, ev->stack, ev->ts) ||
           ((ev->type == TR_FREE || ev->type == TR_REALLOC) && stack_matches(fd, ev->stack2, ev->ts));
}

static bool search(struct app *a, const char *text, int dir)
{
    struct find fd = { a, text, calloc(a->t->nstacks + 1, 1) };
    uint64_t found = 0, cur = a->m.cur;
    int rc;
    if (!fd.stacks)
        return false;
    if (dir > 0)
        rc = vm_find(&a->m, cur, vm_events(&a->m), false, event_matches, &fd, &found);
    else
        rc = vm_find(&a->m, 0, cur ? cur - 1 : 0, true, event_matches, &fd, &found);
    free(fd.stacks);
    if (rc < 0) {
        vm_stop = 0;
        view_message(a, true, "%s", a->m.err);
        return true;
    }
    if (rc > 0)
        view_seek(a, found + 1);
    return rc > 0;
}

const struct pane_ops view_events_pane = { "Events", draw, key, search };
