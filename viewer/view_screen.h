/* The screen ward view draws on: a grid of cells in memory. Every view
 * draws here; the terminal (view_term.c) copies the grid to ncurses, and
 * the headless mode (--dump) prints it as text, so what a test reads is
 * what a user sees. Drawing outside the grid is clipped, never an error:
 * the terminal may be any size. */
#ifndef WARD_VIEW_SCREEN_H
#define WARD_VIEW_SCREEN_H

#include <stdint.h>
#include <stdio.h>

/* Attributes, combined with |. */
enum { SA_BOLD = 1, SA_REVERSE = 2, SA_DIM = 4, SA_UNDERLINE = 8 };

/* Colours (the terminal's eight); none when NO_COLOR is set. */
enum { SC_NONE, SC_RED, SC_GREEN, SC_YELLOW, SC_BLUE, SC_MAGENTA, SC_CYAN, SC_WHITE };

struct scr_cell {
    uint32_t ch;                /* a code point; 0: the right half of a wide one */
    uint8_t  attr, color;
};

struct scr {
    int w, h;
    struct scr_cell *cells;     /* h rows of w */
};

/* Sets the size and clears; -1 when out of memory (the old grid stays). */
int  scr_resize(struct scr *s, int w, int h);
void scr_free(struct scr *s);
void scr_clear(struct scr *s);

void scr_put(struct scr *s, int y, int x, uint32_t ch, int attr, int color);
/* Writes UTF-8 text at (y, x), at most maxw columns (maxw < 0: to the
 * edge); control characters show as '?'. Returns the columns used. */
int  scr_text(struct scr *s, int y, int x, int maxw, const char *text, int attr, int color);
int  scr_printf(struct scr *s, int y, int x, int maxw, int attr, int color, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Text ending at column x_end (exclusive): right-aligned. */
int  scr_rtext(struct scr *s, int y, int x_end, const char *text, int attr, int color);
/* Sets the attributes and colour of w cells, keeping their characters. */
void scr_paint(struct scr *s, int y, int x, int w, int attr, int color);
void scr_fill(struct scr *s, int y, int x, int w, uint32_t ch, int attr, int color);
const struct scr_cell *scr_at(const struct scr *s, int y, int x);

/* The grid as UTF-8 text, a line per row, trailing blanks dropped. */
void scr_print(const struct scr *s, FILE *f);

/* Columns of UTF-8 text (one per code point, as scr_text draws it). */
int  scr_width(const char *text);
/* text cut or padded to exactly cells characters (UTF-8 aware, as the
 * screen counts them), into out; returns out. printf's %-28.28s counts
 * bytes, and a name with accents shifted the columns after it. */
char *scr_fit(char *out, size_t n, const char *text, int cells);

#endif
