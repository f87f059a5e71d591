/* What the panes share (see view.h): moving in a list, the page of text
 * shown over the panes, and how numbers, sizes and times are written. */
#include "view.h"
#include "fmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- lists ---- */

void ui_list_fit(struct list_state *l, int n, int h)
{
    if (l->sel >= n)
        l->sel = n - 1;
    if (l->sel < 0)
        l->sel = 0;
    if (h < 1)
        h = 1;
    if (l->top > l->sel)
        l->top = l->sel;
    if (l->sel >= l->top + h)
        l->top = l->sel - h + 1;
    if (l->top > n - h)
        l->top = n - h;
    if (l->top < 0)
        l->top = 0;
}

bool ui_sel_key(int *sel, int key, int n, int page)
{
    page = page > 1 ? page - 1 : 1;
    switch (key) {
    case K_UP:
        *sel -= 1;
        break;
    case K_DOWN:
        *sel += 1;
        break;
    case K_PGUP:
        *sel -= page;
        break;
    case K_PGDN:
        *sel += page;
        break;
    default:
        return false;
    }
    *sel = *sel >= n ? n - 1 : *sel;
    *sel = *sel < 0 ? 0 : *sel;
    return true;
}

void ui_list_key(struct list_state *l, int key, int n, int h, bool *moved)
{
    *moved = ui_sel_key(&l->sel, key, n, h);
    if (*moved)
        ui_list_fit(l, n, h);
}

/* ---- the page of text over the panes ---- */

void ui_overlay_close(struct app *a)
{
    free(a->ov.text);
    free(a->ov.lines);
    memset(&a->ov, 0, sizeof a->ov);
}

void ui_overlay_open(struct app *a, const char *title, const char *text)
{
    ui_overlay_close(a);
    size_t len = strlen(text);
    int n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    a->ov.text = malloc(len + 1);
    a->ov.lines = malloc((size_t)n * sizeof *a->ov.lines);
    if (!a->ov.text || !a->ov.lines) {
        ui_overlay_close(a);
        view_message(a, true, "out of memory");
        return;
    }
    memcpy(a->ov.text, text, len + 1);
    n = 0;
    for (char *p = a->ov.text; *p;) {
        char *nl = strchr(p, '\n');
        a->ov.lines[n++] = p;
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    a->ov.nlines = n;
    a->ov.on = true;
    snprintf(a->ov.title, sizeof a->ov.title, "%s", title);
}

/* Rows a line takes when wrapped at w columns (continuations indented by
 * 6, under a stack frame's text). */
static int wrapped_rows(const char *line, int w)
{
    int len = scr_width(line);
    if (len <= w || w <= 8)
        return 1;
    return 1 + (len - w + (w - 6) - 1) / (w - 6);
}

static int overlay_rows(const struct app *a, int w)
{
    int n = 0;
    for (int i = 0; i < a->ov.nlines; i++)
        n += wrapped_rows(a->ov.lines[i], w);
    return n;
}

/* Draws line's part number `part` (of wrapped_rows) at row y. */
static void draw_part(struct app *a, int y, const char *line, int part, int w)
{
    int len = scr_width(line);
    if (len <= w || w <= 8) {
        scr_text(&a->scr, y, 0, w, line, 0, 0);
        return;
    }
    int skip = part == 0 ? 0 : w + (part - 1) * (w - 6);
    const unsigned char *p = (const unsigned char *)line;
    for (int i = 0; i < skip && *p; i++) {     /* skip code points */
        p++;
        while ((*p & 0xc0) == 0x80)
            p++;
    }
    scr_text(&a->scr, y, part ? 6 : 0, part ? w - 6 : w, (const char *)p, 0, 0);
}

void ui_overlay_draw(struct app *a)
{
    int y0 = a->tl_y, h = a->status_y - y0 - 1, w = a->scr.w;
    if (h < 1)
        return;
    for (int y = y0; y < a->status_y; y++)
        scr_fill(&a->scr, y, 0, w, ' ', 0, 0);
    int total = overlay_rows(a, w);
    if (a->ov.top > total - h)
        a->ov.top = total - h;
    if (a->ov.top < 0)
        a->ov.top = 0;
    char head[256];
    snprintf(head, sizeof head, " %s   (Esc: close, Up/Down/PgUp/PgDn: scroll; %d-%d of %d)",
             a->ov.title, total ? a->ov.top + 1 : 0,
             a->ov.top + h < total ? a->ov.top + h : total, total);
    scr_fill(&a->scr, y0, 0, w, ' ', SA_REVERSE, 0);
    scr_text(&a->scr, y0, 0, w, head, SA_REVERSE | SA_BOLD, 0);
    int row = 0, y = y0 + 1;
    for (int i = 0; i < a->ov.nlines && y < y0 + 1 + h; i++) {
        int parts = wrapped_rows(a->ov.lines[i], w);
        for (int p = 0; p < parts && y < y0 + 1 + h; p++, row++)
            if (row >= a->ov.top)
                draw_part(a, y++, a->ov.lines[i], p, w);
    }
}

bool ui_overlay_key(struct app *a, int key)
{
    int h = a->status_y - a->tl_y - 1;
    switch (key) {
    case K_UP:
        a->ov.top--;
        break;
    case K_DOWN:
        a->ov.top++;
        break;
    case K_PGUP:
        a->ov.top -= h > 1 ? h - 1 : 1;
        break;
    case K_PGDN:
    case ' ':
        a->ov.top += h > 1 ? h - 1 : 1;
        break;
    case K_HOME:
    case 'g':
        a->ov.top = 0;
        break;
    case K_END:
    case 'G':
        a->ov.top = 1 << 30;
        break;
    case K_ESC:
    case K_ENTER:
    case K_BS:
        ui_overlay_close(a);
        break;
    default:
        return false;
    }
    if (a->ov.top < 0)
        a->ov.top = 0;
    return true;
}

/* ---- numbers, sizes and times ---- */

void ui_size(char *buf, size_t n, uint64_t bytes)
{
    fmt_t f;
    fmt_init(&f, buf, n, -1);
    fmt_size(&f, bytes);
    fmt_cstr(&f);
}

void ui_time(char *buf, size_t n, uint64_t ns)
{
    /* The unit changes where rounding would make "1000.000ms". */
    if (ns < 1000)
        snprintf(buf, n, "%lluns", (unsigned long long)ns);
    else if (ns < 999999500ull / 1000)
        snprintf(buf, n, "%.3fus", (double)ns / 1e3);
    else if (ns < 999999500ull)
        snprintf(buf, n, "%.3fms", (double)ns / 1e6);
    else
        snprintf(buf, n, "%.6fs", (double)ns / 1e9);
}

void ui_count(char *buf, size_t n, uint64_t v)
{
    char d[32];
    int len = snprintf(d, sizeof d, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < len && (size_t)o + 2 < n; i++) {
        if (i && (len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = d[i];
    }
    buf[o] = '\0';
}

bool ui_match(const char *hay, const char *needle)
{
    if (!hay || !needle[0])
        return false;
    for (; *hay; hay++) {
        size_t i = 0;
        while (needle[i] && hay[i] &&
               tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
            i++;
        if (!needle[i])
            return true;
    }
    return false;
}

void ui_row(struct app *a, int y, const char *line, bool sel, int color)
{
    if (sel)
        scr_fill(&a->scr, y, 0, a->scr.w, ' ', SA_REVERSE, 0);
    scr_text(&a->scr, y, 0, -1, line, sel ? SA_REVERSE : 0, sel ? 0 : color);
    if (sel)            /* seen without colours or reverse video too */
        scr_text(&a->scr, y, 0, 1, ui_glyph(a, G_PLAY), SA_REVERSE | SA_BOLD, 0);
}

void ui_header(struct app *a, int y, const char *text)
{
    scr_fill(&a->scr, y, 0, a->scr.w, ' ', SA_BOLD | SA_UNDERLINE, 0);
    scr_text(&a->scr, y, 0, a->scr.w, text, SA_BOLD | SA_UNDERLINE, 0);
}

const char *ui_glyph(const struct app *a, int which)
{
    static const char *const utf8[G_COUNT] = { "▾", "▸", "·", "▲", "▶", "‖", "│", "◆" };
    static const char *const ascii[G_COUNT] = { "-", "+", " ", "^", ">", "=", "|", "*" };
    return (a->utf8 ? utf8 : ascii)[which];
}
