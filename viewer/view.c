/* `ward view TRACE`: the command, the main loop and the screen's frame
 * (title, tabs, status line, message line); the panes draw the rest. See
 * view.h for the parts and docs/viewer.md for what a user sees. */
#define _GNU_SOURCE
#include "view.h"
#include "cli.h"

#include <langinfo.h>
#include <locale.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
    "usage: ward view [OPTIONS] TRACE\n"
    "\n"
    "Replays a trace written by ward run --trace in a full-screen terminal UI:\n"
    "the heap over time, live memory by owner, coroutine and allocation site,\n"
    "pinned blocks, errors with their reports, and the events one by one.\n"
    "Press ? inside for the keys; docs/viewer.md is the guide.\n"
    "\n"
    "options:\n"
    "  --keys KEYS     press these keys first (\"p\", \"4<Enter>\", \"<Right>\";\n"
    "                  see docs/viewer.md for the names)\n"
    "  --dump          no terminal: press the keys, then print the screen as text\n"
    "  --size WxH      the screen of --dump (default 80x24)\n"
    "  --ascii         draw with ASCII characters only\n"
    "  --no-mouse      leave the mouse to the terminal\n"
    "  --reindex       index the trace again even if TRACE.idx is up to date\n"
    "  --no-save-index keep the index in memory, write no TRACE.idx\n"
    "  --interval N    events between checkpoints of the index (default: from\n"
    "                  the trace's length, at least 65536)\n"
    "  --check         compare the index with a full replay, print the result\n"
    "                  and exit (1 if they differ)\n";

const unsigned view_speeds[] = { 1, 10, 100, 1000, 10000, 100000, 1000000 };
const int view_nspeeds = (int)(sizeof view_speeds / sizeof view_speeds[0]);

struct view_opts {
    const char *path, *keys;
    bool dump, ascii, no_mouse, check;
    int w, h;
    struct ti_options index;
};

/* ---- messages and moving the cursor ---- */

void view_message(struct app *a, bool err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_err = err;
}

void view_seek(struct app *a, uint64_t e)
{
    if (vm_seek(&a->m, e) < 0) {
        view_message(a, true, "%s", a->m.err);
        vm_stop = 0;
    }
}

void view_seek_ts(struct app *a, uint64_t ts)
{
    int64_t n = vm_count_until(&a->m, ts);
    if (n < 0) {
        view_message(a, true, "%s", a->m.err);
        return;
    }
    view_seek(a, (uint64_t)n);
}

void view_play_tick(struct app *a, double seconds)
{
    if (!a->playing)
        return;
    a->play_debt += view_speeds[a->speed] * seconds;
    uint64_t n = (uint64_t)a->play_debt;
    a->play_debt -= (double)n;
    if (n)
        view_seek(a, a->m.cur + n);
    if (a->m.cur >= vm_events(&a->m)) {
        a->playing = false;
        view_message(a, false, "the end of the trace");
    }
}

/* ---- the frame around the panes ---- */

void view_layout(struct app *a)
{
    int h = a->scr.h;
    int graph = h >= 40 ? 8 : h >= 30 ? 6 : h >= 20 ? 4 : h >= 14 ? 2 : 1;
    a->status_y = h - 2 > 1 ? h - 2 : 1;
    a->tl_y = 1;
    a->tl_h = h >= 10 ? graph + 2 : 0;
    a->tabs_y = a->tl_y + a->tl_h;
    a->pane_y = a->tabs_y + 1;
    a->pane_h = a->status_y - a->pane_y;
    if (a->pane_h < 0)
        a->pane_h = 0;
}

static void draw_title(struct app *a)
{
    const struct tr_trace *t = a->t;
    char left[512];
    const char *state = t->truncated ? "TRUNCATED" : "complete";
    snprintf(left, sizeof left, " ward view: %s (pid %llu)",
             t->cmdline && *t->cmdline ? t->cmdline : t->program ? t->program : "?",
             (unsigned long long)t->pid);
    scr_fill(&a->scr, 0, 0, a->scr.w, ' ', SA_REVERSE, 0);
    int room = a->scr.w - (int)strlen(state) - 2;
    scr_text(&a->scr, 0, 0, room, left, SA_REVERSE | SA_BOLD, 0);
    scr_rtext(&a->scr, 0, a->scr.w - 1, state, SA_REVERSE | SA_BOLD,
              t->truncated && a->color ? SC_RED : 0);
}

static void draw_tabs(struct app *a)
{
    int x = 0, y = a->tabs_y;
    scr_fill(&a->scr, y, 0, a->scr.w, ' ', 0, 0);
    for (int p = 0; p < PANE_COUNT; p++) {
        char label[48];
        if (p == PANE_ERRORS)
            snprintf(label, sizeof label, " %d %s (%u) ", p + 1, view_pane_ops(p)->name,
                     a->ix->h->nerrors);
        else
            snprintf(label, sizeof label, " %d %s ", p + 1, view_pane_ops(p)->name);
        int attr = p == (int)a->pane ? SA_REVERSE | SA_BOLD : 0;
        a->tab_x[p] = x;
        x += scr_text(&a->scr, y, x, -1, label, attr, 0);
        x += scr_text(&a->scr, y, x, -1, ui_glyph(a, G_SEP), SA_DIM, 0);
    }
    a->tab_x[PANE_COUNT] = x;
}

static void draw_status(struct app *a)
{
    const struct replay *r = &a->m.r;
    char t[32], ev[32], all[32], size[32], peak[32], line[512], play[48];
    uint64_t dur = a->t->duration, now = a->m.cur ? r->ts : 0;
    ui_time(t, sizeof t, now);
    ui_count(ev, sizeof ev, a->m.cur);
    ui_count(all, sizeof all, vm_events(&a->m));
    ui_size(size, sizeof size, r->live_bytes);
    ui_size(peak, sizeof peak, a->ix->h->peak_bytes);
    if (a->playing)
        snprintf(play, sizeof play, "%s %u ev/s", ui_glyph(a, G_PLAY), view_speeds[a->speed]);
    else
        snprintf(play, sizeof play, "%s paused", ui_glyph(a, G_PAUSE));
    const char *idx = a->ix->saved ? "" : " [index in memory] ";
    int room = a->scr.w - (int)strlen(idx);
    /* The share of the run goes first when room is short. */
    for (int share = 1; share >= 0; share--) {
        char pct[16] = "";
        if (share)
            snprintf(pct, sizeof pct, " %.1f%%", dur ? 100.0 * (double)now / (double)dur : 100.0);
        snprintf(line, sizeof line, " %s  %s%s  #%s/%s  heap %s in %llu block%s  peak %s", play,
                 t, pct, ev, all, size, (unsigned long long)r->live_blocks,
                 r->live_blocks == 1 ? "" : "s", peak);
        if (scr_width(line) <= room)
            break;
    }
    int y = a->status_y;
    scr_fill(&a->scr, y, 0, a->scr.w, ' ', SA_REVERSE, 0);
    scr_text(&a->scr, y, 0, room, line, SA_REVERSE, 0);
    scr_rtext(&a->scr, y, a->scr.w, idx, SA_REVERSE | SA_BOLD, 0);
}

static void draw_message(struct app *a)
{
    int y = a->scr.h - 1;
    if (y <= a->status_y)
        return;
    scr_fill(&a->scr, y, 0, a->scr.w, ' ', 0, 0);
    if (a->prompt) {
        char line[256];
        snprintf(line, sizeof line, "%s%.*s_",
                 a->prompt == 't' ? "seek to (1.5s, 200ms, 40%, #event): " : "search: ",
                 a->ninput, a->input);
        scr_text(&a->scr, y, 0, -1, line, SA_BOLD, 0);
    } else if (a->msg[0])
        scr_text(&a->scr, y, 0, -1, a->msg, a->msg_err ? SA_BOLD : 0,
                 a->msg_err && a->color ? SC_RED : 0);
    else
        scr_text(&a->scr, y, 0, -1,
                 " ? help  q quit  <-/-> step  space play  e/E error  p peak  t seek  / search",
                 SA_DIM, 0);
}

void view_draw(struct app *a)
{
    scr_clear(&a->scr);
    view_layout(a);
    draw_title(a);
    if (a->ov.on) {
        ui_overlay_draw(a);
    } else {
        if (a->tl_h)
            view_timeline_draw(a, a->tl_y, a->tl_h);
        draw_tabs(a);
        if (a->pane_h > 0)
            view_pane_ops(a->pane)->draw(a, a->pane_y, a->pane_h);
    }
    draw_status(a);
    draw_message(a);
}

const struct pane_ops *view_pane_ops(enum view_pane p)
{
    static const struct pane_ops *const panes[PANE_COUNT] = {
        &view_heap_pane, &view_tree_pane, &view_pinned_pane, &view_errors_pane,
        &view_events_pane,
    };
    return panes[p < PANE_COUNT ? p : 0];
}

/* ---- running ---- */

/* Says how far indexing got (on a terminal), and stops it on Ctrl-C. */
static bool indexing(void *arg, uint64_t ts, uint64_t duration)
{
    const struct view_opts *o = arg;
    if (!o->dump && !o->check && isatty(2))
        fprintf(stderr, "\rward: indexing %s: %3.0f%%", o->path,
                duration ? 100.0 * (double)ts / (double)duration : 100.0);
    return !term_signal;
}

static int parse_args(int argc, char **argv, struct view_opts *o)
{
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        bool more = i + 1 < argc;
        if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
            fputs(usage, stdout);
            return 0;
        } else if (!strcmp(s, "--keys") && more)
            o->keys = argv[++i];
        else if (!strcmp(s, "--dump"))
            o->dump = true;
        else if (!strcmp(s, "--size") && more) {
            if (sscanf(argv[++i], "%dx%d", &o->w, &o->h) != 2 || o->w < 1 || o->h < 1 ||
                o->w > 1000 || o->h > 1000) {
                cli_error("--size takes WIDTHxHEIGHT, like 80x24, not '%s'", argv[i]);
                return 2;
            }
        } else if (!strcmp(s, "--ascii"))
            o->ascii = true;
        else if (!strcmp(s, "--no-mouse"))
            o->no_mouse = true;
        else if (!strcmp(s, "--reindex"))
            o->index.rebuild = true;
        else if (!strcmp(s, "--no-save-index"))
            o->index.no_save = true;
        else if (!strcmp(s, "--check"))
            o->check = true;
        else if (!strcmp(s, "--interval") && more) {
            char *end;
            const char *v = argv[++i];
            errno = 0;
            o->index.interval = strtoull(v, &end, 10);
            if (!(v[0] >= '0' && v[0] <= '9') || *end || o->index.interval == 0 ||
                errno == ERANGE) {
                cli_error("--interval takes a number of events, not '%s'", argv[i]);
                return 2;
            }
        } else if (!more && (!strcmp(s, "--keys") || !strcmp(s, "--size") ||
                             !strcmp(s, "--interval"))) {
            cli_error("%s needs a value (try ward view --help)", s);
            return 2;
        } else if (s[0] == '-' && s[1]) {
            cli_error("unknown option '%s' for ward view (try ward view --help)", s);
            return 2;
        } else if (!o->path)
            o->path = s;
        else {
            cli_error("ward view takes one trace, not '%s' too", s);
            return 2;
        }
    }
    if (!o->path) {
        fputs(usage, stderr);
        return 2;
    }
    return -1;
}

/* Headless: the keys, then the screen on stdout. */
static int run_dump(struct app *a, const int *keys, int nkeys, int w, int h)
{
    if (scr_resize(&a->scr, w, h) < 0)
        return 1;
    for (int i = 0; i < nkeys && !a->quit; i++) {
        int k = keys[i];
        if (k == K_RESIZE && i + 2 < nkeys) {
            scr_resize(&a->scr, keys[i + 1], keys[i + 2]);
            i += 2;
        } else if (k == K_MOUSE && i + 3 < nkeys) {
            a->mouse = (struct view_mouse){ keys[i + 2], keys[i + 3], keys[i + 1] };
            i += 3;
            view_draw(a);               /* where things are */
            view_key(a, K_MOUSE);
        } else if (k == K_DUMP) {
            view_draw(a);
            scr_print(&a->scr, stdout);
            fputs("\f\n", stdout);
        } else {
            view_draw(a);
            view_key(a, k);
        }
    }
    view_draw(a);
    scr_print(&a->scr, stdout);
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Interactive: the keys given first, then the user's. */
static int run_term(struct app *a, const int *keys, int nkeys)
{
    char err[256];
    if (term_start(a, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    for (int i = 0; i < nkeys && !a->quit; i++)
        if (keys[i] == K_RESIZE || keys[i] == K_MOUSE)
            i += keys[i] == K_RESIZE ? 2 : 3;       /* the terminal has its own */
        else if (keys[i] != K_DUMP)
            view_key(a, keys[i]);
    double last = now_s();
    while (!a->quit) {
        view_draw(a);
        term_show(a);
        int k = term_key(a, a->playing ? 40 : 250);
        if (term_signal)
            break;
        /* Playing goes by the clock, whatever keys come meanwhile. */
        double now = now_s();
        view_play_tick(a, now - last);
        last = now;
        if (k != K_TICK)
            view_key(a, k);
    }
    term_stop();
    return 0;
}

static bool utf8_locale(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));
}

static int open_all(struct app *a, const struct view_opts *o, char *err, size_t errlen)
{
    struct ti_options io = o->index;
    bool tty = !o->dump && !o->check && isatty(2);
    if (tr_open(a->t, o->path, err, errlen) < 0)
        return -1;
    io.progress = indexing;
    io.arg = (void *)o;
    int rc = ti_open(a->ix, a->t, o->path, &io, err, errlen);
    if (tty && a->ix->built)
        fprintf(stderr, "\r\033[K");
    if (rc < 0) {
        tr_close(a->t);
        return -1;
    }
    return 0;
}

static void init_app(struct app *a, const struct view_opts *o)
{
    a->utf8 = !o->ascii && utf8_locale();
    a->color = !(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
    a->mouse_on = !o->no_mouse;
    a->speed = 2;
    a->tree = view_tree_new();
    a->sym = vsym_open(a->t);
    if (a->t->truncated)
        view_message(a, true, "TRUNCATED: %s", a->t->why);
    else
        view_message(a, false, "%s", a->ix->note);
}

static void free_app(struct app *a)
{
    ui_overlay_close(a);
    view_tree_free(a->tree);
    vsym_close(a->sym);
    vm_close(&a->m);
    scr_free(&a->scr);
    ti_close(a->ix);
    tr_close(a->t);
}

int cmd_view(int argc, char **argv)
{
    struct view_opts o = { .w = 80, .h = 24 };
    struct tr_trace t;
    struct ti_index ix;
    struct app a = { .t = &t, .ix = &ix };
    char err[512];
    int *keys = NULL, nkeys = 0, rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    setlocale(LC_ALL, "");
    term_signals();         /* from here, Ctrl-C stops indexing and quits cleanly */
    if (o.keys && view_parse_keys(o.keys, &keys, &nkeys, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    a.path = o.path;
    if (open_all(&a, &o, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        free(keys);
        return 1;
    }
    if (o.check) {
        rc = vm_check(&t, &ix, stdout);
        ti_close(&ix);
        tr_close(&t);
        free(keys);
        return rc;
    }
    if (vm_open(&a.m, &t, &ix) < 0) {
        fprintf(stderr, "ward: %s\n", a.m.err);
        ti_close(&ix);
        tr_close(&t);
        free(keys);
        return 1;
    }
    init_app(&a, &o);
    rc = o.dump ? run_dump(&a, keys, nkeys, o.w, o.h) : run_term(&a, keys, nkeys);
    if (t.truncated && !o.dump)
        fprintf(stderr, "ward: warning: %s\n", t.why);
    free_app(&a);
    free(keys);
    return rc ? rc : term_signal ? 128 + term_signal : 0;
}
