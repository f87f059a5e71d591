/* The timeline: the heap's size (or block count) over the whole run, one
 * column per slice of time, from the index's bins; a row of marks (errors,
 * owner changes, coroutine switches); the time axis with the cursor. */
#include "view.h"

#include <stdio.h>
#include <string.h>

#define LABEL_W 10                  /* the scale on the left */

static int graph_w(const struct app *a)
{
    return a->scr.w - LABEL_W > 1 ? a->scr.w - LABEL_W : 1;
}

/* Column j shows bins [first_bin(j), first_bin(j + 1)), at least one. */
static uint32_t first_bin(const struct app *a, int j)
{
    return (uint32_t)((uint64_t)j * TI_BINS / (uint64_t)graph_w(a));
}

static void bin_range(const struct app *a, int j, uint32_t *lo, uint32_t *hi)
{
    *lo = first_bin(a, j);
    *hi = first_bin(a, j + 1);
    if (*hi <= *lo)
        *hi = *lo + 1;
    if (*hi > TI_BINS)
        *hi = TI_BINS;
}

static int column_of_bin(const struct app *a, uint32_t b)
{
    int w = graph_w(a), j = (int)((uint64_t)b * (uint64_t)w / TI_BINS);
    while (j + 1 < w && first_bin(a, j + 1) <= b)
        j++;
    while (j > 0 && first_bin(a, j) > b)
        j--;
    return j;
}

/* When bin b starts: the first ts that falls in it. */
static uint64_t bin_start(const struct app *a, uint32_t b)
{
    uint64_t d = a->ix->h->duration + 1;
    return (uint64_t)(((unsigned __int128)b * d + TI_BINS - 1) / TI_BINS);
}

uint64_t view_timeline_column_ns(const struct app *a)
{
    uint64_t d = a->ix->h->duration / (uint64_t)graph_w(a);
    return d ? d : 1;
}

static uint64_t column_value(const struct app *a, int j, uint32_t *flags)
{
    uint32_t lo, hi;
    uint64_t v = 0;
    bin_range(a, j, &lo, &hi);
    *flags = 0;
    for (uint32_t b = lo; b < hi; b++) {
        const struct ti_bin *x = &a->ix->bins[b];
        uint64_t y = a->blocks ? x->max_blocks : x->max_bytes;
        v = y > v ? y : v;
        *flags |= (uint32_t)x->flags;
    }
    return v;
}

/* A cell of a bar: how full it is, in eighths. */
static const char *bar(const struct app *a, int eighths)
{
    static const char *const utf8[9] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
    static const char *const ascii[9] = { " ", ".", ".", ".", ":", ":", ":", ":", "#" };
    return (a->utf8 ? utf8 : ascii)[eighths < 0 ? 0 : eighths > 8 ? 8 : eighths];
}

static void draw_labels(struct app *a, int y, int gh, uint64_t max)
{
    char top[32];
    if (a->blocks)
        snprintf(top, sizeof top, "%llu blk", (unsigned long long)max);
    else
        ui_size(top, sizeof top, max);
    scr_text(&a->scr, y, 0, LABEL_W - 1, top, SA_DIM, 0);
    if (gh > 1)
        scr_text(&a->scr, y + gh - 1, 0, LABEL_W - 1, "0", SA_DIM, 0);
    scr_text(&a->scr, y + gh, 0, LABEL_W - 1, "marks", SA_DIM, 0);
}

static void draw_marks(struct app *a, int y, int x, uint32_t flags)
{
    if (flags & TI_B_ERROR)
        scr_put(&a->scr, y, x, 'E', SA_BOLD, a->color ? SC_RED : 0);
    else if (flags & TI_B_OWNER)
        scr_put(&a->scr, y, x, 'o', 0, a->color ? SC_YELLOW : 0);
    else if (flags & TI_B_CORO)
        scr_put(&a->scr, y, x, 'c', 0, a->color ? SC_MAGENTA : 0);
}

static void draw_axis(struct app *a, int y, int cursor)
{
    char end[32];
    int x = LABEL_W + cursor;
    ui_time(end, sizeof end, a->ix->h->duration);
    scr_text(&a->scr, y, LABEL_W, -1, "0", SA_DIM, 0);
    /* The run's length at the right, or just left of the cursor there. */
    int right = x >= a->scr.w - scr_width(end) ? x - 1 : a->scr.w;
    scr_rtext(&a->scr, y, right, end, SA_DIM, 0);
    scr_text(&a->scr, y, x, 1, ui_glyph(a, G_CURSOR), SA_BOLD, 0);
}

void view_timeline_draw(struct app *a, int y, int h)
{
    int w = graph_w(a), gh = h - 2;
    uint64_t max = 1;
    uint32_t flags;
    for (int j = 0; j < w; j++) {
        uint64_t v = column_value(a, j, &flags);
        max = v > max ? v : max;
    }
    uint64_t now = a->m.cur ? a->m.r.ts : 0;
    int cursor = column_of_bin(a, ti_bin_of(a->ix, now));
    draw_labels(a, y, gh, max);
    for (int j = 0; j < w; j++) {
        uint64_t v = column_value(a, j, &flags);
        /* In eighths of a row; anything above zero shows. */
        int units = (int)((unsigned __int128)v * (uint64_t)gh * 8 / max);
        units += v && !units;
        for (int r = 0; r < gh; r++) {
            int from_bottom = gh - 1 - r;
            int attr = j == cursor ? SA_REVERSE : 0;
            scr_text(&a->scr, y + r, LABEL_W + j, 1, bar(a, units - from_bottom * 8), attr,
                     a->color ? (a->blocks ? SC_CYAN : SC_GREEN) : 0);
        }
        draw_marks(a, y + gh, LABEL_W + j, flags);
    }
    draw_axis(a, y + gh + 1, cursor);
}

/* A click at column x: the cursor goes to the end of that slice of time. */
void view_timeline_click(struct app *a, int x)
{
    int j = x - LABEL_W;
    if (j < 0 || j >= graph_w(a))
        return;
    uint32_t lo, hi;
    bin_range(a, j, &lo, &hi);
    uint64_t end = hi >= TI_BINS ? a->ix->h->duration : bin_start(a, hi) - 1;
    a->playing = false;
    view_seek_ts(a, end);
}
