/* The in-memory screen (see view_screen.h). */
#include "view_screen.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int scr_resize(struct scr *s, int w, int h)
{
    w = w < 1 ? 1 : w;
    h = h < 1 ? 1 : h;
    struct scr_cell *c = calloc((size_t)w * (size_t)h, sizeof *c);
    if (!c)
        return -1;
    free(s->cells);
    s->cells = c;
    s->w = w;
    s->h = h;
    scr_clear(s);
    return 0;
}

void scr_free(struct scr *s)
{
    free(s->cells);
    memset(s, 0, sizeof *s);
}

void scr_clear(struct scr *s)
{
    for (int i = 0; i < s->w * s->h; i++)
        s->cells[i] = (struct scr_cell){ ' ', 0, 0 };
}

const struct scr_cell *scr_at(const struct scr *s, int y, int x)
{
    return y >= 0 && y < s->h && x >= 0 && x < s->w ? &s->cells[y * s->w + x] : NULL;
}

void scr_put(struct scr *s, int y, int x, uint32_t ch, int attr, int color)
{
    if (y < 0 || y >= s->h || x < 0 || x >= s->w)
        return;
    s->cells[y * s->w + x] = (struct scr_cell){ ch, (uint8_t)attr, (uint8_t)color };
}

/* The next code point of UTF-8 text; malformed bytes come out as '?'. */
static uint32_t next_cp(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t c = *s++;
    int more = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;
    if (c >= 0x80 && c < 0xc0) {
        *p = s;
        return '?';
    }
    if (more)
        c &= 0x3f >> more;
    for (; more; more--, s++) {
        if ((*s & 0xc0) != 0x80) {
            *p = s;
            return '?';
        }
        c = (c << 6) | (*s & 0x3f);
    }
    *p = s;
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ? '?' : c;
}

int scr_text(struct scr *s, int y, int x, int maxw, const char *text, int attr, int color)
{
    const unsigned char *p = (const unsigned char *)text;
    int n = 0;
    if (maxw < 0)
        maxw = s->w - x;
    while (*p && n < maxw) {
        uint32_t c = next_cp(&p);
        scr_put(s, y, x + n, c, attr, color);
        n++;
    }
    return n;
}

int scr_printf(struct scr *s, int y, int x, int maxw, int attr, int color, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return scr_text(s, y, x, maxw, buf, attr, color);
}

int scr_width(const char *text)
{
    const unsigned char *p = (const unsigned char *)text;
    int n = 0;
    while (*p) {
        next_cp(&p);
        n++;
    }
    return n;
}

char *scr_fit(char *out, size_t n, const char *text, int cells)
{
    const unsigned char *p = (const unsigned char *)(text ? text : "");
    size_t len = 0;
    int w = 0;
    while (*p && w < cells) {
        const unsigned char *start = p;
        next_cp(&p);
        if (len + (size_t)(p - start) + 1 > n)
            break;
        memcpy(out + len, start, (size_t)(p - start));
        len += (size_t)(p - start);
        w++;
    }
    for (; w < cells && len + 1 < n; w++)
        out[len++] = ' ';
    out[len] = '\0';
    return out;
}

int scr_rtext(struct scr *s, int y, int x_end, const char *text, int attr, int color)
{
    int w = scr_width(text);
    return scr_text(s, y, x_end - w, w, text, attr, color);
}

void scr_paint(struct scr *s, int y, int x, int w, int attr, int color)
{
    for (int i = 0; i < w; i++) {
        if (y < 0 || y >= s->h || x + i < 0 || x + i >= s->w)
            continue;
        struct scr_cell *c = &s->cells[y * s->w + x + i];
        c->attr = (uint8_t)attr;
        c->color = (uint8_t)color;
    }
}

void scr_fill(struct scr *s, int y, int x, int w, uint32_t ch, int attr, int color)
{
    for (int i = 0; i < w; i++)
        scr_put(s, y, x + i, ch, attr, color);
}

static void put_utf8(FILE *f, uint32_t c)
{
    if (c < 0x80)
        fputc((int)c, f);
    else if (c < 0x800) {
        fputc((int)(0xc0 | c >> 6), f);
        fputc((int)(0x80 | (c & 0x3f)), f);
    } else if (c < 0x10000) {
        fputc((int)(0xe0 | c >> 12), f);
        fputc((int)(0x80 | ((c >> 6) & 0x3f)), f);
        fputc((int)(0x80 | (c & 0x3f)), f);
    } else {
        fputc((int)(0xf0 | c >> 18), f);
        fputc((int)(0x80 | ((c >> 12) & 0x3f)), f);
        fputc((int)(0x80 | ((c >> 6) & 0x3f)), f);
        fputc((int)(0x80 | (c & 0x3f)), f);
    }
}

void scr_print(const struct scr *s, FILE *f)
{
    for (int y = 0; y < s->h; y++) {
        int end = s->w;
        while (end > 0 && s->cells[y * s->w + end - 1].ch == ' ')
            end--;
        for (int x = 0; x < end; x++)
            if (s->cells[y * s->w + x].ch)
                put_utf8(f, s->cells[y * s->w + x].ch);
        fputc('\n', f);
    }
}
