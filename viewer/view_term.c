/* The terminal, through ncurses: the only file of ward view that knows it.
 * It copies the in-memory screen to the terminal, turns ncurses' keys
 * into view.h's, and makes sure the terminal is given back as it was on
 * every way out: endwin on a normal exit and at exit(); on SIGINT,
 * SIGTERM, SIGHUP and SIGQUIT a flag that the main loop (and any long
 * replay, through vm_stop) sees at once; on a second such signal, or a
 * crash, the saved terminal modes and the escape sequences that undo ours,
 * written from the handler (tcsetattr and write are async-signal-safe). */
#define _GNU_SOURCE
#define NCURSES_WIDECHAR 1
#include "view.h"

#include <curses.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

volatile int term_signal;

static SCREEN *screen;
static volatile sig_atomic_t active;
static struct termios saved;
static bool have_saved;

/* Mouse reporting off, attributes reset, cursor shown, main screen. */
static const char undo[] = "\033[?1000l\033[?1002l\033[?1006l\033[0m\033[?25h\033[?1049l\r\n";

static void give_back(void)
{
    if (!active)
        return;
    if (have_saved)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    ssize_t n = write(STDOUT_FILENO, undo, sizeof undo - 1);
    (void)n;
    active = 0;
}

static void on_stop(int sig)
{
    if (term_signal) {                  /* again: the main loop does not answer */
        give_back();
        signal(sig, SIG_DFL);
        raise(sig);
        _exit(128 + sig);
    }
    term_signal = sig;
    vm_stop = 1;
}

static void on_crash(int sig)
{
    give_back();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Installed before ncurses starts, so that it keeps ours (it installs its
 * own only over SIG_DFL); no SA_RESTART, so that a wait for a key ends. */
void term_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGQUIT, &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGABRT, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
}

void term_stop(void)
{
    if (!screen)
        return;
    endwin();
    delscreen(screen);
    screen = NULL;
    active = 0;
    fflush(stdout);
}

static void at_exit(void)
{
    term_stop();
}

static void colours(struct app *a)
{
    static const short fg[] = { 0, COLOR_RED, COLOR_GREEN, COLOR_YELLOW, COLOR_BLUE,
                                COLOR_MAGENTA, COLOR_CYAN, COLOR_WHITE };
    if (!a->color || !has_colors() || start_color() == ERR) {
        a->color = false;
        return;
    }
    use_default_colors();
    for (short i = 1; i < (short)(sizeof fg / sizeof fg[0]); i++)
        init_pair(i, fg[i], -1);
}

int term_start(struct app *a, char *err, size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "ward: ward view needs a terminal (or --dump to print the "
                              "screen)");
        return -1;
    }
    have_saved = tcgetattr(STDIN_FILENO, &saved) == 0;
    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        const char *t = getenv("TERM");
        snprintf(err, errlen, "ward: cannot use the terminal (TERM=%s)", t ? t : "");
        return -1;
    }
    set_term(screen);
    active = 1;
    atexit(at_exit);
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    colours(a);
    if (a->mouse_on) {
        mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
        mouseinterval(0);
    }
    int h, w;
    getmaxyx(stdscr, h, w);
    if (scr_resize(&a->scr, w, h) < 0) {
        term_stop();
        snprintf(err, errlen, "ward: out of memory");
        return -1;
    }
    return 0;
}

void term_show(struct app *a)
{
    const struct scr *s = &a->scr;
    for (int y = 0; y < s->h; y++) {
        for (int x = 0; x < s->w; x++) {
            const struct scr_cell *c = scr_at(s, y, x);
            if (!c->ch)
                continue;
            wchar_t wc[2] = { (wchar_t)c->ch, 0 };
            attr_t at = A_NORMAL;
            at |= c->attr & SA_BOLD ? A_BOLD : 0;
            at |= c->attr & SA_REVERSE ? A_REVERSE : 0;
            at |= c->attr & SA_DIM ? A_DIM : 0;
            at |= c->attr & SA_UNDERLINE ? A_UNDERLINE : 0;
            cchar_t cc;
            setcchar(&cc, wc, at, a->color ? c->color : 0, NULL);
            mvadd_wch(y, x, &cc);
        }
    }
    wnoutrefresh(stdscr);
    doupdate();
}

static int mouse_key(struct app *a)
{
    MEVENT m;
    if (getmouse(&m) != OK)
        return K_NONE;
    a->mouse.x = m.x;
    a->mouse.y = m.y;
    a->mouse.button = m.bstate & BUTTON4_PRESSED ? 4 : m.bstate & BUTTON5_PRESSED ? 5
                    : m.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED) ? 1 : 0;
    return a->mouse.button ? K_MOUSE : K_NONE;
}

static int special(struct app *a, wint_t ch)
{
    int h, w;
    switch (ch) {
    case KEY_UP: return K_UP;
    case KEY_DOWN: return K_DOWN;
    case KEY_LEFT: return K_LEFT;
    case KEY_RIGHT: return K_RIGHT;
    case KEY_PPAGE: return K_PGUP;
    case KEY_NPAGE: return K_PGDN;
    case KEY_HOME: return K_HOME;
    case KEY_END: return K_END;
    case KEY_ENTER: return K_ENTER;
    case KEY_BTAB: return K_BTAB;
    case KEY_BACKSPACE: return K_BS;
    case KEY_F(1): return K_F1;
    case KEY_MOUSE: return mouse_key(a);
    case KEY_RESIZE:
        getmaxyx(stdscr, h, w);
        scr_resize(&a->scr, w, h);
        clearok(curscr, TRUE);
        return K_RESIZE;
    }
    return K_NONE;
}

int term_key(struct app *a, int timeout_ms)
{
    wint_t ch;
    timeout(timeout_ms);
    int r = get_wch(&ch);
    if (r == ERR)
        return term_signal ? K_INTR : K_TICK;
    if (r == KEY_CODE_YES)
        return special(a, ch);
    switch (ch) {
    case '\r':
    case '\n':
        return K_ENTER;
    case '\t':
        return K_TAB;
    case 27:
        return K_ESC;
    case 127:
    case 8:
        return K_BS;
    case K_CTRL('l'):
        clearok(curscr, TRUE);
        return K_REDRAW;
    case K_CTRL('c'):
        return K_INTR;
    }
    return (int)ch;
}
