/* Text built by hand in a fixed buffer and written with write(2): reports
 * may be produced inside malloc or a signal handler, where stdio and
 * allocation are off limits. When the buffer fills it is flushed to its
 * file descriptor, so no output is ever cut. */
#ifndef WARD_FMT_H
#define WARD_FMT_H

#include "common.h"

typedef struct {
    char  *buf;
    size_t len, cap;
    int    fd;          /* -1: never flush, truncate instead (strings) */
} fmt_t;

void fmt_init(fmt_t *f, char *buf, size_t cap, int fd);
void fmt_flush(fmt_t *f);
void fmt_str(fmt_t *f, const char *s);
void fmt_mem(fmt_t *f, const char *s, size_t n);
/* n bytes of untrusted text, on one line: bytes that are not printable
 * ASCII as \xNN. */
void fmt_quoted(fmt_t *f, const char *s, size_t n);
void fmt_char(fmt_t *f, char c);
void fmt_u64(fmt_t *f, uint64_t v);
void fmt_i64(fmt_t *f, int64_t v);
void fmt_hex(fmt_t *f, uint64_t v);          /* 0x prefix */
void fmt_pad(fmt_t *f, size_t from, size_t width);
void fmt_size(fmt_t *f, uint64_t bytes);     /* 1.5 MiB */
const char *fmt_cstr(fmt_t *f);              /* NUL-terminated (fd == -1) */

#endif
