/* ward view: a terminal UI that replays a trace (docs/viewer.md). This is
 * what its parts share: the app's state, the keys, and the interface of a
 * pane. view.c runs the command and lays out the screen; view_timeline.c
 * draws the timeline; each of view_heap.c, view_tree.c, view_pinned.c,
 * view_errors.c and view_events.c is one pane; view_keys.c maps keys to
 * actions and writes the help; view_ui.c holds what panes have in common
 * (lists, the page of text over them, numbers and times); view_term.c is
 * the terminal, the only file that knows ncurses. */
#ifndef WARD_VIEW_H
#define WARD_VIEW_H

#include "trace_index.h"
#include "view_model.h"
#include "view_screen.h"
#include "view_sym.h"

enum view_pane { PANE_HEAP, PANE_SITES, PANE_PINNED, PANE_ERRORS, PANE_EVENTS, PANE_COUNT };

/* Keys: a character is its code point; the others are these. */
enum {
    K_UP = 0x110000, K_DOWN, K_LEFT, K_RIGHT, K_PGUP, K_PGDN, K_HOME, K_END,
    K_ENTER, K_TAB, K_BTAB, K_ESC, K_BS, K_F1,
    K_RESIZE,           /* the terminal changed size */
    K_MOUSE,            /* app.mouse says what */
    K_TICK,             /* time passed (playing) */
    K_INTR,             /* Ctrl-C, or a signal: quit */
    K_REDRAW,           /* Ctrl-L */
    K_DUMP,             /* --keys "<dump>": print the screen so far */
    K_NONE,
};
#define K_CTRL(c) ((c) & 0x1f)

struct view_mouse {
    int x, y;
    int button;         /* 1: click, 4: wheel up, 5: wheel down */
};

/* A page of text over the panes: the help, an error's report, a block. */
struct overlay {
    bool on;
    char title[160];
    char *text;         /* the lines, each ending in '\n' */
    char **lines;
    int nlines, top;
};

struct list_state {
    int sel, top;
};

struct app {
    const char *path;
    struct tr_trace *t;
    struct ti_index *ix;
    struct vm m;
    struct vsym *sym;
    struct scr scr;
    /* what is shown */
    enum view_pane pane;
    struct list_state ls[PANE_COUNT];
    struct overlay ov;
    struct vtree *tree;
    bool blocks;        /* the timeline shows blocks, not bytes */
    bool utf8, color, mouse_on;
    struct view_mouse mouse;
    /* playing */
    bool playing;
    int speed;          /* index into view_speeds */
    double play_debt;   /* events owed to the clock */
    /* the prompt on the last line: 0 none, 't' seek, '/' search */
    int prompt;
    char input[128];
    int ninput;
    char search[128];
    /* the last line's message */
    char msg[512];
    bool msg_err;
    /* the layout (view_layout) */
    int tl_y, tl_h, tabs_y, pane_y, pane_h, status_y;
    int tab_x[PANE_COUNT + 1];  /* where each tab starts, as last drawn */
    bool quit;
};

/* One pane: draws itself in rows [y, y + h), handles the keys it owns
 * (returns true if it did) and finds text (dir 1 forward, -1 back;
 * returns true if it moved to a match). */
struct pane_ops {
    const char *name;
    void (*draw)(struct app *a, int y, int h);
    bool (*key)(struct app *a, int key);
    bool (*search)(struct app *a, const char *text, int dir);
};
extern const struct pane_ops view_heap_pane, view_tree_pane, view_pinned_pane,
    view_errors_pane, view_events_pane;
const struct pane_ops *view_pane_ops(enum view_pane p);

/* view.c */
void view_layout(struct app *a);
void view_draw(struct app *a);
void view_message(struct app *a, bool err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void view_seek(struct app *a, uint64_t e);      /* cursor after e events */
void view_seek_ts(struct app *a, uint64_t ts);  /* after every event at or before ts */
void view_play_tick(struct app *a, double seconds);
extern const unsigned view_speeds[];
extern const int view_nspeeds;

/* view_keys.c */
void view_key(struct app *a, int key);
int  view_parse_keys(const char *spec, int **keys, int *nkeys, char *err, size_t errlen);
void view_help(struct app *a);
/* The keys as docs/viewer.md lists them: one line each, "KEYS\tWHAT". */
void view_keys_list(FILE *f);

/* view_timeline.c */
void view_timeline_draw(struct app *a, int y, int h);
void view_timeline_click(struct app *a, int x);
uint64_t view_timeline_column_ns(const struct app *a);     /* the time one column spans */

/* view_errors.c */
void view_error_jump(struct app *a, int dir);   /* next (1) / previous (-1) error */
void view_error_open(struct app *a, uint32_t i);

/* view_tree.c */
struct vtree *view_tree_new(void);
void view_tree_free(struct vtree *t);

/* view_ui.c: what panes share */
/* Up, Down, PgUp, PgDn move *sel in a list of n (page: rows shown);
 * false for other keys. ui_list_key also keeps l->top so that the
 * selection shows in h rows. */
bool ui_sel_key(int *sel, int key, int n, int page);
void ui_list_key(struct list_state *l, int key, int n, int h, bool *moved);
void ui_list_fit(struct list_state *l, int n, int h);
void ui_overlay_open(struct app *a, const char *title, const char *text);
void ui_overlay_close(struct app *a);
void ui_overlay_draw(struct app *a);
bool ui_overlay_key(struct app *a, int key);
void ui_size(char *buf, size_t n, uint64_t bytes);     /* 1.5 MiB */
void ui_time(char *buf, size_t n, uint64_t ns);        /* 12.345ms */
void ui_count(char *buf, size_t n, uint64_t v);        /* 1,234,567 */
bool ui_match(const char *hay, const char *needle);   /* case-insensitive */
void ui_header(struct app *a, int y, const char *text);
/* A row of a list; the selected one is in reverse video and marked. The
 * line's first column is left for the mark. */
void ui_row(struct app *a, int y, const char *line, bool sel, int color);
/* The glyphs of the current terminal (UTF-8 or ASCII). */
const char *ui_glyph(const struct app *a, int which);
enum { G_OPEN, G_CLOSED, G_LEAF, G_CURSOR, G_PLAY, G_PAUSE, G_SEP, G_MARK, G_COUNT };

/* view_term.c: the terminal */
int  term_start(struct app *a, char *err, size_t errlen);
void term_stop(void);
int  term_key(struct app *a, int timeout_ms);
void term_show(struct app *a);
void term_signals(void);
extern volatile int term_signal;     /* the signal that asked us to stop */

#endif
