/* Keys (see view.h): one table says what each key does, where, and how the
 * help screen and docs/viewer.md name it; the prompt (seek, search); and
 * the names --keys understands ("<Enter>", "<resize:100x30>"). */
#include "view.h"

#include <stdio.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { ANY = -1 };

#define HELP_TITLE "ward view: keys"

struct keydef {
    int key[3];                 /* the codes (0: none) */
    const char *names;          /* as the help and the docs write them */
    int pane;                   /* ANY, or the pane that handles it */
    const char *what;
    void (*fn)(struct app *a, int key);     /* NULL: the pane's own */
};

/* ---- actions ---- */

static void quit(struct app *a, int k)
{
    (void)k;
    a->quit = true;
}

static void help(struct app *a, int k)
{
    (void)k;
    view_help(a);
}

static void goto_pane(struct app *a, int k)
{
    int p = k == K_TAB ? (int)a->pane + 1 : k == K_BTAB ? (int)a->pane + PANE_COUNT - 1
                                                        : k - '1';
    a->pane = (enum view_pane)(p % PANE_COUNT);
}

static void step(struct app *a, int k)
{
    a->playing = false;
    if (k == K_RIGHT || k == 'l' || k == '.')
        view_seek(a, a->m.cur + 1);
    else if (a->m.cur)
        view_seek(a, a->m.cur - 1);
}

static void column(struct app *a, int k)
{
    uint64_t now = a->m.cur ? a->m.r.ts : 0, d = view_timeline_column_ns(a);
    a->playing = false;
    if (k == ']')
        view_seek_ts(a, now + d);
    else
        view_seek_ts(a, now > d ? now - d : 0);
}

static void play(struct app *a, int k)
{
    (void)k;
    a->playing = !a->playing;
    a->play_debt = 0;
    if (a->playing && a->m.cur >= vm_events(&a->m))
        view_seek(a, 0);                /* from the start again */
}

static void speed(struct app *a, int k)
{
    a->speed += k == '+' || k == '=' ? 1 : -1;
    a->speed = a->speed < 0 ? 0 : a->speed >= view_nspeeds ? view_nspeeds - 1 : a->speed;
    view_message(a, false, "playing speed: %u events a second", view_speeds[a->speed]);
}

static void error_jump(struct app *a, int k)
{
    a->playing = false;
    view_error_jump(a, k == 'e' ? 1 : -1);
}

static void peak(struct app *a, int k)
{
    (void)k;
    char size[32];
    a->playing = false;
    view_seek(a, a->ix->h->peak_event + 1);
    ui_size(size, sizeof size, a->ix->h->peak_bytes);
    view_message(a, false, "the peak: %s in %llu blocks", size,
                 (unsigned long long)a->ix->h->peak_blocks);
}

static void ends(struct app *a, int k)
{
    a->playing = false;
    view_seek(a, k == 'g' || k == K_HOME ? 0 : vm_events(&a->m));
}

static void prompt(struct app *a, int k)
{
    a->playing = false;
    a->prompt = k == '/' ? '/' : 't';
    a->ninput = 0;
}

static void again(struct app *a, int k)
{
    if (!a->search[0]) {
        view_message(a, true, "no search yet: press / first");
        return;
    }
    if (!view_pane_ops(a->pane)->search(a, a->search, k == 'n' ? 1 : -1))
        view_message(a, true, "\"%s\" not found %s in %s", a->search,
                     k == 'n' ? "further on" : "further back", view_pane_ops(a->pane)->name);
}

static void blocks(struct app *a, int k)
{
    (void)k;
    a->blocks = !a->blocks;
}

static void nothing(struct app *a, int k)
{
    (void)k;
    a->msg[0] = '\0';
}

static const struct keydef keydefs[] = {
    { { '?', K_F1 }, "? F1", ANY, "this help (Esc closes it)", help },
    { { 'q' }, "q", ANY, "quit (Ctrl-C too)", quit },
    { { K_TAB, K_BTAB }, "Tab Shift-Tab", ANY, "next / previous view", goto_pane },
    { { '1', '2', '3' }, "1 2 3 4 5", ANY, "views: Heap, Sites, Pinned, Errors, Events", goto_pane },
    { { '4', '5' }, NULL, ANY, NULL, goto_pane },
    { { K_RIGHT, 'l', '.' }, "Right l .", ANY, "one event forward", step },
    { { K_LEFT, 'h', ',' }, "Left h ,", ANY, "one event back", step },
    { { ']', '[' }, "] [", ANY, "one timeline column forward / back", column },
    { { ' ' }, "Space", ANY, "play / pause", play },
    { { '+', '=', '-' }, "+ -", ANY, "play faster / slower (1 to 1000000 events a second)",
      speed },
    { { 'e', 'E' }, "e E", ANY, "next / previous error", error_jump },
    { { 'p' }, "p", ANY, "the peak of the heap", peak },
    { { 'g', K_HOME }, "g Home", ANY, "the start", ends },
    { { 'G', K_END }, "G End", ANY, "the end", ends },
    { { 't', ':' }, "t :", ANY, "seek to a time (1.5s, 200ms), 40% or an event (#1234)", prompt },
    { { '/' }, "/", ANY, "search the view: functions, owners, coroutines", prompt },
    { { 'n', 'N' }, "n N", ANY, "next / previous match", again },
    { { 'b' }, "b", ANY, "timeline: blocks instead of bytes, and back", blocks },
    { { K_REDRAW }, "Ctrl-L", ANY, "redraw the screen", nothing },
    { { K_ESC }, "Esc", ANY, "close a page, cancel a prompt, clear the message", nothing },
    { { K_MOUSE }, "mouse", ANY, "click: the timeline, a tab or a row; the wheel scrolls", NULL },
    { { K_UP, K_DOWN }, "Up Down PgUp PgDn", PANE_HEAP, "move in the list", NULL },
    { { K_ENTER, 'o' }, "Enter o", PANE_SITES, "open / close the selected node", NULL },
    { { '*' }, "*", PANE_SITES, "open everything under the selected node", NULL },
    { { 'c' }, "c", PANE_SITES, "close everything", NULL },
    { { K_ENTER }, "Enter", PANE_PINNED, "the block's stacks", NULL },
    { { K_ENTER }, "Enter", PANE_ERRORS, "the error's full report", NULL },
    { { 'j' }, "j", PANE_ERRORS, "move the cursor to the selected error", NULL },
    { { K_UP, K_DOWN }, "Up Down", PANE_EVENTS, "one event back / forward", NULL },
    { { K_ENTER }, "Enter", PANE_EVENTS, "the current event's report, if it is an error", NULL },
};

/* ---- the help ---- */

static const char *scope(int pane)
{
    return pane == ANY ? "everywhere" : view_pane_ops((enum view_pane)pane)->name;
}

void view_keys_list(FILE *f)
{
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++)
        if (keydefs[i].names)
            fprintf(f, "%s\t%s\t%s\n", keydefs[i].names, scope(keydefs[i].pane), keydefs[i].what);
}

void view_help(struct app *a)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    fprintf(f, "Timeline: the heap over the whole run (b: blocks); the cursor is the %s\n"
               "column; below it %s marks errors (E), owner changes (o) and coroutine\n"
               "switches (c). Everything else shows the moment at the cursor.\n",
            a->utf8 ? "highlighted" : "^", "a row");
    int last = -2;
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++) {
        if (!keydefs[i].names)
            continue;
        if (keydefs[i].pane != last)
            fprintf(f, "\n%s:\n", keydefs[i].pane == ANY ? "Everywhere" : scope(keydefs[i].pane));
        last = keydefs[i].pane;
        fprintf(f, "  %-20s %s\n", keydefs[i].names, keydefs[i].what);
    }
    fclose(f);
    if (text)
        ui_overlay_open(a, HELP_TITLE, text);
    free(text);
}

/* ---- the prompt ---- */

/* "1.5s", "200ms", "30us", "100ns", "40%" or "#1234"; false if not. */
static bool parse_seek(struct app *a, const char *s, uint64_t *event, bool *is_event,
                       uint64_t *ts)
{
    char *end;
    *is_event = s[0] == '#';
    if (*is_event) {
        errno = 0;
        *event = strtoull(s + 1, &end, 10);
        return s[1] >= '0' && s[1] <= '9' && !*end && errno != ERANGE;
    }
    if (!(s[0] >= '0' && s[0] <= '9') && s[0] != '.')
        return false;                   /* no sign, no "inf" or "nan" */
    double v = strtod(s, &end);
    if (end == s || !isfinite(v))
        return false;
    double scale = !strcmp(end, "%") ? (double)a->t->duration / 100
                 : !strcmp(end, "s") || !*end ? 1e9 : !strcmp(end, "ms") ? 1e6
                 : !strcmp(end, "us") ? 1e3 : !strcmp(end, "ns") ? 1 : -1;
    if (scale < 0)
        return false;
    /* Past the end is the end. */
    double t = v * scale + 0.5;
    *ts = t >= (double)a->t->duration ? a->t->duration : (uint64_t)t;
    return true;
}

static void submit(struct app *a)
{
    char s[sizeof a->input];
    memcpy(s, a->input, (size_t)a->ninput);        /* ninput < sizeof input */
    s[a->ninput] = '\0';
    int p = a->prompt;
    a->prompt = 0;
    if (p == '/') {
        memcpy(a->search, s, sizeof a->search);
        if (s[0] && !view_pane_ops(a->pane)->search(a, s, 1))
            view_message(a, true, "\"%s\" not found in %s", s, view_pane_ops(a->pane)->name);
        return;
    }
    uint64_t e = 0, ts = 0;
    bool is_event;
    if (!parse_seek(a, s, &e, &is_event, &ts)) {
        view_message(a, true, "cannot seek to \"%s\": try 1.5s, 200ms, 30us, 40%% or #1234", s);
        return;
    }
    if (is_event)
        view_seek(a, e);
    else
        view_seek_ts(a, ts);
}

static void prompt_key(struct app *a, int k)
{
    if (k == K_ENTER)
        submit(a);
    else if (k == K_ESC)
        a->prompt = 0;
    else if (k == K_BS && a->ninput > 0)
        a->ninput--;
    else if (k == K_INTR)
        a->quit = true;
    else if (k >= 0x20 && k < 0x7f && a->ninput < (int)sizeof a->input - 1)
        a->input[a->ninput++] = (char)k;
}

/* ---- dispatch ---- */

static void mouse(struct app *a)
{
    const struct view_mouse *m = &a->mouse;
    if (m->button == 1 && a->tl_h && m->y >= a->tl_y && m->y < a->tl_y + a->tl_h) {
        view_timeline_click(a, m->x);
        return;
    }
    if (m->button == 1 && m->y == a->tabs_y) {
        for (int p = 0; p < PANE_COUNT; p++)
            if (m->x >= a->tab_x[p] && m->x < a->tab_x[p + 1])
                a->pane = (enum view_pane)p;
        return;
    }
    if (m->y >= a->pane_y && m->y < a->pane_y + a->pane_h)
        view_pane_ops(a->pane)->key(a, K_MOUSE);
}

static bool is_key(const struct keydef *d, int k)
{
    return d->key[0] == k || d->key[1] == k || d->key[2] == k;
}

void view_key(struct app *a, int k)
{
    if (k == K_INTR) {
        a->quit = true;
        return;
    }
    if (a->prompt) {
        prompt_key(a, k);
        return;
    }
    if (k == K_TICK) {
        view_play_tick(a, 0.05);
        return;
    }
    if (k == K_RESIZE || k == K_NONE)
        return;
    if (a->ov.on) {
        bool help_on = !strcmp(a->ov.title, HELP_TITLE);
        if ((k == '?' || k == K_F1) && help_on) {
            ui_overlay_close(a);
            return;
        }
        if (ui_overlay_key(a, k))
            return;
        ui_overlay_close(a);    /* any other key closes the page and does its work */
    }
    a->msg[0] = '\0';                  /* a message lasts until the next key */
    if (k == K_MOUSE) {
        mouse(a);
        return;
    }
    if (view_pane_ops(a->pane)->key(a, k))
        return;
    for (size_t i = 0; i < sizeof keydefs / sizeof keydefs[0]; i++)
        if (keydefs[i].fn && keydefs[i].pane == ANY && is_key(&keydefs[i], k)) {
            keydefs[i].fn(a, k);
            return;
        }
}

/* ---- --keys ---- */

struct key_name {
    const char *name;
    int key;
};

static const struct key_name key_names[] = {
    { "Up", K_UP },       { "Down", K_DOWN },   { "Left", K_LEFT },   { "Right", K_RIGHT },
    { "PgUp", K_PGUP },   { "PgDn", K_PGDN },   { "Home", K_HOME },   { "End", K_END },
    { "Enter", K_ENTER }, { "Tab", K_TAB },     { "BTab", K_BTAB },   { "Esc", K_ESC },
    { "BS", K_BS },       { "F1", K_F1 },       { "Space", ' ' },     { "C-c", K_INTR },
    { "C-l", K_REDRAW },  { "tick", K_TICK },   { "dump", K_DUMP },   { "lt", '<' },
};

static int add_key(int **keys, int *n, int k)
{
    int *a = realloc(*keys, (size_t)(*n + 1) * sizeof *a);
    if (!a)
        return -1;
    *keys = a;
    a[(*n)++] = k;
    return 0;
}

/* One <name>: appends its codes. */
static int parse_name(const char *name, int **keys, int *n)
{
    int w, h, x, y;
    char tail;
    for (size_t i = 0; i < sizeof key_names / sizeof key_names[0]; i++)
        if (!strcmp(name, key_names[i].name))
            return add_key(keys, n, key_names[i].key);
    if (sscanf(name, "resize:%dx%d%c", &w, &h, &tail) == 2 && w > 0 && h > 0 && w <= 1000 &&
        h <= 1000)
        return add_key(keys, n, K_RESIZE) | add_key(keys, n, w) | add_key(keys, n, h);
    int button = !strncmp(name, "click:", 6) ? 1 : !strncmp(name, "wheelup:", 8) ? 4
               : !strncmp(name, "wheeldown:", 10) ? 5 : 0;
    if (button && sscanf(strchr(name, ':') + 1, "%d,%d%c", &x, &y, &tail) == 2)
        return add_key(keys, n, K_MOUSE) | add_key(keys, n, button) | add_key(keys, n, x) |
               add_key(keys, n, y);
    return -2;
}

int view_parse_keys(const char *spec, int **keys, int *nkeys, char *err, size_t errlen)
{
    *keys = NULL;
    *nkeys = 0;
    for (const char *p = spec; *p;) {
        if (*p != '<') {
            if (add_key(keys, nkeys, (unsigned char)*p++) < 0)
                goto oom;
            continue;
        }
        const char *end = strchr(p, '>');
        char name[64];
        if (!end || end - p - 1 >= (long)sizeof name) {
            snprintf(err, errlen, "ward: --keys: '<' without a key name and '>' (write <lt> "
                                  "for '<')");
            return -1;
        }
        snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
        int rc = parse_name(name, keys, nkeys);
        if (rc == -2) {
            snprintf(err, errlen, "ward: --keys: unknown key <%s> (see docs/viewer.md)", name);
            return -1;
        }
        if (rc < 0)
            goto oom;
        p = end + 1;
    }
    return 0;
oom:
    snprintf(err, errlen, "ward: out of memory");
    return -1;
}
