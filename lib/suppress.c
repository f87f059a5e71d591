/* Suppression rules (see suppress.h): parsed once into fixed arrays, so
 * that loading them needs no allocator and matching takes no lock beyond
 * the report lock its callers hold. */
#include "suppress.h"
#include "prim.h"
#include "report_text.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUPP_FILE_MAX (64 * 1024)
#define SUPP_PAT_MAX  256
#define NKINDS        11            /* enum wd_kind */

struct rule {
    uint8_t  kind;
    bool     start, end;            /* anchored by ^ or $ */
    char     pat[SUPP_PAT_MAX];
    uint64_t hits, bytes;
};

static struct {
    struct rule r[SUPP_MAX];
    unsigned n;
} sp;

static int kind_of(const char *s, size_t n)
{
    for (unsigned k = 0; k < NKINDS; k++) {
        const char *name = rt_kind_name(k);
        if (strlen(name) == n && memcmp(name, s, n) == 0)
            return (int)k;
    }
    return -1;
}

static bool fail(char *err, size_t errlen, const char *path, const char *what, unsigned line)
{
    fmt_t f;
    fmt_init(&f, err, errlen, -1);
    fmt_str(&f, "suppressions file '");
    fmt_str(&f, path);
    fmt_str(&f, "'");
    if (line) {
        fmt_str(&f, ", line ");
        fmt_u64(&f, line);
    }
    fmt_str(&f, ": ");
    fmt_str(&f, what);
    fmt_cstr(&f);
    return false;
}

/* One line, without its newline; blank lines and comments are skipped. */
static bool parse_line(char *s, size_t len, const char *path, unsigned line, char *err,
                       size_t errlen)
{
    while (len && (*s == ' ' || *s == '\t'))
        s++, len--;
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || *s == '#')
        return true;
    char *colon = memchr(s, ':', len);
    if (!colon)
        return fail(err, errlen, path, "expected KIND:PATTERN, as in leak:my_function", line);
    int kind = kind_of(s, (size_t)(colon - s));
    if (kind < 0)
        return fail(err, errlen, path,
                    "unknown kind (valid: leak, double-free, invalid-free, use-after-free, "
                    "heap-buffer-overflow, heap-buffer-underflow, pinned-move, "
                    "moved-self-reference, stack-overflow, alloc-dealloc-mismatch, "
                    "new-delete-type-mismatch)", line);
    const char *p = colon + 1;
    size_t n = len - (size_t)(p - s);
    if (n == 0)
        return fail(err, errlen, path, "empty pattern", line);
    if (sp.n == SUPP_MAX)
        return fail(err, errlen, path, "more than 256 rules", line);
    struct rule *r = &sp.r[sp.n];
    r->start = *p == '^';
    if (r->start)
        p++, n--;
    r->end = n && p[n - 1] == '$';
    if (r->end)
        n--;
    if (n == 0 || n >= SUPP_PAT_MAX)
        return fail(err, errlen, path,
                    n ? "pattern longer than 255 characters" : "empty pattern", line);
    memcpy(r->pat, p, n);
    r->pat[n] = 0;
    r->kind = (uint8_t)kind;
    sp.n++;
    return true;
}

bool supp_load(const char *path, char *err, size_t errlen)
{
    static char buf[SUPP_FILE_MAX + 1];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, path, "cannot be read (option suppressions)", 0);
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        prim_close(fd);
        return fail(err, errlen, path, "is not a regular file (option suppressions)", 0);
    }
    size_t len = 0;
    ssize_t got = 0;
    while (len < sizeof buf) {
        got = read(fd, buf + len, sizeof buf - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    prim_close(fd);
    if (got < 0)
        return fail(err, errlen, path, "cannot be read (option suppressions)", 0);
    if (len > SUPP_FILE_MAX)
        return fail(err, errlen, path, "larger than 64 KiB", 0);
    return supp_parse(buf, len, path, err, errlen);
}

bool supp_parse(char *buf, size_t len, const char *path, char *err, size_t errlen)
{
    sp.n = 0;
    unsigned line = 1;
    size_t i = len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;   /* a UTF-8 BOM */
    for (; i < len; line++) {
        char *nl = memchr(buf + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - buf) : len;
        if (!parse_line(buf + i, end - i, path, line, err, errlen)) {
            sp.n = 0;
            return false;
        }
        i = end + 1;
    }
    return true;
}

bool supp_any(void)
{
    return sp.n > 0;
}

/* '*' matches any run; everything else itself. */
static bool glob_at(const char *p, const char *t, bool to_end)
{
    const char *star = NULL, *resume = NULL;
    while (*t) {
        if (*p == '*') {
            star = ++p;
            resume = t;
        } else if (*p && *p == *t) {
            p++, t++;
        } else if (!*p && !to_end) {
            return true;
        } else if (star) {
            p = star;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

bool supp_matches(unsigned i, const char *text)
{
    const struct rule *r = &sp.r[i];
    if (!text || !*text)
        return false;
    if (r->start)
        return glob_at(r->pat, text, r->end);
    for (const char *t = text; *t; t++)
        if (glob_at(r->pat, t, r->end))
            return true;
    return false;
}

unsigned supp_rules_of(const char *kind, unsigned *out, unsigned max)
{
    int k = kind_of(kind, strlen(kind));
    unsigned n = 0;
    for (unsigned i = 0; i < sp.n && n < max; i++)
        if (sp.r[i].kind == k)
            out[n++] = i;
    return n;
}

void supp_hit(unsigned i, uint64_t bytes)
{
    sp.r[i].hits++;
    sp.r[i].bytes += bytes;
}

void supp_print_used(fmt_t *f, const char *prefix)
{
    bool any = false;
    for (unsigned i = 0; i < sp.n; i++) {
        const struct rule *r = &sp.r[i];
        if (!r->hits)
            continue;
        if (!any) {
            fmt_str(f, prefix);
            fmt_str(f, "suppressions used:\n  count     bytes       rule\n");
            any = true;
        }
        char line[SUPP_PAT_MAX + 96];
        fmt_t t;
        fmt_init(&t, line, sizeof line, -1);
        fmt_str(&t, "  ");
        fmt_u64(&t, r->hits);
        fmt_pad(&t, 2, 10);
        fmt_u64(&t, r->bytes);
        fmt_pad(&t, 12, 12);
        fmt_str(&t, rt_kind_name(r->kind));
        fmt_char(&t, ':');
        if (r->start)
            fmt_char(&t, '^');
        fmt_str(&t, r->pat);
        if (r->end)
            fmt_char(&t, '$');
        fmt_char(&t, '\n');
        fmt_str(f, fmt_cstr(&t));
    }
}
