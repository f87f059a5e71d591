/* Allocation-free text formatting (see fmt.h). */
#include "fmt.h"
#include "prim.h"

#include <string.h>

void fmt_init(fmt_t *f, char *buf, size_t cap, int fd)
{
    f->buf = buf;
    f->len = 0;
    f->cap = cap;
    f->fd = fd;
}

void fmt_flush(fmt_t *f)
{
    if (f->fd >= 0 && f->len) {
        prim_write_all(f->fd, f->buf, f->len);
        f->len = 0;
    }
}

void fmt_mem(fmt_t *f, const char *s, size_t n)
{
    while (n) {
        /* Strings keep one byte for the terminator. */
        size_t room = f->cap - f->len - (f->fd < 0);
        if (room == 0) {
            if (f->fd < 0)
                return;
            fmt_flush(f);
            continue;
        }
        size_t k = n < room ? n : room;
        memcpy(f->buf + f->len, s, k);
        f->len += k;
        s += k;
        n -= k;
    }
}

void fmt_str(fmt_t *f, const char *s)
{
    fmt_mem(f, s ? s : "(null)", strlen(s ? s : "(null)"));
}

void fmt_char(fmt_t *f, char c)
{
    fmt_mem(f, &c, 1);
}

void fmt_u64(fmt_t *f, uint64_t v)
{
    char tmp[24];
    int i = sizeof tmp;
    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    fmt_mem(f, tmp + i, sizeof tmp - (size_t)i);
}

void fmt_i64(fmt_t *f, int64_t v)
{
    if (v < 0) {
        fmt_char(f, '-');
        fmt_u64(f, (uint64_t)0 - (uint64_t)v);
    } else {
        fmt_u64(f, (uint64_t)v);
    }
}

void fmt_hex(fmt_t *f, uint64_t v)
{
    char tmp[18];
    int i = sizeof tmp;
    do {
        tmp[--i] = "0123456789abcdef"[v & 15];
        v >>= 4;
    } while (v);
    tmp[--i] = 'x';
    tmp[--i] = '0';
    fmt_mem(f, tmp + i, sizeof tmp - (size_t)i);
}

/* Pad with spaces so that what was written since `from` is `width` wide. */
void fmt_pad(fmt_t *f, size_t from, size_t width)
{
    while (f->len >= from && f->len - from < width)
        fmt_char(f, ' ');
}

void fmt_size(fmt_t *f, uint64_t bytes)
{
    static const char *unit[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    unsigned u = 0;
    uint64_t scaled = bytes * 10;
    while (scaled >= 10240 && u + 1 < WD_ARRAY_LEN(unit)) {
        scaled /= 1024;
        u++;
    }
    fmt_u64(f, scaled / 10);
    if (u) {
        fmt_char(f, '.');
        fmt_u64(f, scaled % 10);
    }
    fmt_char(f, ' ');
    fmt_str(f, unit[u]);
}

const char *fmt_cstr(fmt_t *f)
{
    f->buf[f->len < f->cap ? f->len : f->cap - 1] = '\0';
    return f->buf;
}

void fmt_quoted(fmt_t *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') {
            fmt_char(f, (char)c);
        } else {
            fmt_str(f, "\\x");
            fmt_char(f, "0123456789abcdef"[c >> 4]);
            fmt_char(f, "0123456789abcdef"[c & 15]);
        }
    }
}
