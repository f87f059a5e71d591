/* The option parser, generated from options.def. It runs before main and
 * inside malloc, so it uses no libc function that could allocate. */
#include "options.h"

#include <string.h>

enum opt_kind { K_BOOL, K_INT, K_SIZE, K_ENUM, K_STR };

struct opt_desc {
    const char *name;
    enum opt_kind kind;
    long def, min, max;
    const char *sdef;
    const char *values;
    const char *help;
    size_t offset;
};

#define WD_INIT_BOOL(d) .def = (long)(d)
#define WD_INIT_INT(d)  .def = (long)(d)
#define WD_INIT_SIZE(d) .def = (long)(d)
#define WD_INIT_ENUM(d) .def = (long)(d)
#define WD_INIT_STR(d)  .sdef = d

static const struct opt_desc opts[] = {
#define WD_OPT(n_, k_, d_, lo_, hi_, v_, h_)                                 \
    { .name = #n_, .kind = K_##k_, .min = (long)(lo_), .max = (long)(hi_),  \
      .values = v_, .help = h_,                                             \
      .offset = offsetof(struct wd_options, n_), WD_INIT_##k_(d_) },
#include "options.def"
#undef WD_OPT
};

struct wd_options wd_opt;

static long *opt_num(struct wd_options *o, const struct opt_desc *d)
{
    return (long *)((char *)o + d->offset);
}

static char *opt_strp(struct wd_options *o, const struct opt_desc *d)
{
    return (char *)o + d->offset;
}

void opt_defaults(struct wd_options *o)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(opts); i++) {
        const struct opt_desc *d = &opts[i];
        if (d->kind == K_STR)
            strcpy(opt_strp(o, d), d->sdef);
        else
            *opt_num(o, d) = d->def;
    }
}

static const struct opt_desc *opt_find(const char *name, size_t n)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(opts); i++)
        if (strlen(opts[i].name) == n && memcmp(opts[i].name, name, n) == 0)
            return &opts[i];
    return NULL;
}

bool opt_exists(const char *name, size_t n)
{
    return opt_find(name, n) != NULL;
}

bool opt_is_bool(const char *name, size_t n)
{
    const struct opt_desc *d = opt_find(name, n);
    return d && d->kind == K_BOOL;
}

/* Parses a decimal integer with an optional K/M/G/T suffix (sizes only);
 * fails on overflow or on anything left over. */
static bool parse_long(const char *s, size_t n, bool suffix, long *out)
{
    unsigned long v = 0;
    size_t i = 0;
    if (n == 0)
        return false;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (v > (unsigned long)(__LONG_MAX__ - 9) / 10)
            return false;
        v = v * 10 + (unsigned long)(s[i] - '0');
    }
    if (i == 0)
        return false;
    if (i < n && suffix) {
        const char *units = "KMGT";
        const char *u = memchr(units, s[i] & ~0x20, 4);
        if (!u)
            return false;
        unsigned shift = 10u * (unsigned)(u - units + 1);
        if (v > ((unsigned long)__LONG_MAX__ >> shift))
            return false;
        v <<= shift;
        i++;
        if (i < n && (s[i] == 'B' || s[i] == 'b'))
            i++;
    }
    if (i != n)
        return false;
    *out = (long)v;
    return true;
}

static bool parse_enum(const struct opt_desc *d, const char *s, size_t n, long *out)
{
    const char *w = d->values;
    for (long idx = 0; *w; idx++) {
        const char *end = strchr(w, '|');
        size_t len = end ? (size_t)(end - w) : strlen(w);
        if (len == n && memcmp(w, s, n) == 0) {
            *out = idx;
            return true;
        }
        if (!end)
            break;
        w = end + 1;
    }
    return false;
}

static void err_valid_names(fmt_t *f)
{
    for (size_t i = 0; i < WD_ARRAY_LEN(opts); i++) {
        fmt_str(f, i ? ", " : "");
        fmt_str(f, opts[i].name);
    }
}

/* A size as it would be written: 1T, 64K, 1000. */
static void fmt_size_option(fmt_t *f, long v)
{
    static const char units[] = "KMGT";
    int u = -1;
    while (u < 3 && v >= 1024 && v % 1024 == 0) {
        v /= 1024;
        u++;
    }
    fmt_i64(f, v);
    if (u >= 0)
        fmt_char(f, units[u]);
}

static void err_expected(fmt_t *f, const struct opt_desc *d)
{
    switch (d->kind) {
    case K_BOOL:
        fmt_str(f, "expected 0 or 1");
        break;
    case K_INT:
        fmt_str(f, "expected an integer from ");
        fmt_i64(f, d->min);
        fmt_str(f, " to ");
        fmt_i64(f, d->max);
        break;
    case K_SIZE:
        fmt_str(f, "expected a size such as 0, 64K, 256M or 1G, from ");
        fmt_size_option(f, d->min);
        fmt_str(f, " to ");
        fmt_size_option(f, d->max);
        break;
    case K_ENUM:
        fmt_str(f, "expected one of ");
        for (const char *w = d->values; *w; w++) {
            if (*w == '|')
                fmt_str(f, ", ");
            else
                fmt_char(f, *w);
        }
        break;
    case K_STR:
        fmt_str(f, "expected a string shorter than 1024 bytes");
        break;
    }
}

static int parse_value(struct wd_options *o, const struct opt_desc *d,
                       const char *v, size_t n)
{
    long x;
    switch (d->kind) {
    case K_STR:
        if (n >= WD_OPT_STR_MAX)
            return -1;
        memcpy(opt_strp(o, d), v, n);
        opt_strp(o, d)[n] = '\0';
        return 0;
    case K_ENUM:
        if (!parse_enum(d, v, n, &x))
            return -1;
        break;
    default:
        if (!parse_long(v, n, d->kind == K_SIZE, &x) || x < d->min || x > d->max)
            return -1;
    }
    *opt_num(o, d) = x;
    return 0;
}

int opt_parse_one(struct wd_options *o, const char *kv, size_t n,
                  char *err, size_t errlen)
{
    fmt_t f;
    fmt_init(&f, err, errlen, -1);
    const char *eq = memchr(kv, '=', n);
    size_t klen = eq ? (size_t)(eq - kv) : n;
    const struct opt_desc *d = opt_find(kv, klen);
    if (!d) {
        fmt_str(&f, "ward: unknown option '");
        fmt_quoted(&f, kv, klen);
        fmt_str(&f, "'; valid options are ");
        err_valid_names(&f);
        fmt_cstr(&f);
        return -1;
    }
    if (!eq) {
        fmt_str(&f, "ward: option '");
        fmt_str(&f, d->name);
        fmt_str(&f, "' needs a value (");
        fmt_str(&f, d->name);
        fmt_str(&f, "=VALUE)");
        fmt_cstr(&f);
        return -1;
    }
    if (parse_value(o, d, eq + 1, n - klen - 1) < 0) {
        fmt_str(&f, "ward: bad value '");
        fmt_quoted(&f, eq + 1, n - klen - 1);
        fmt_str(&f, "' for option '");
        fmt_str(&f, d->name);
        fmt_str(&f, "': ");
        err_expected(&f, d);
        fmt_cstr(&f);
        return -1;
    }
    return 0;
}

int opt_parse(struct wd_options *o, const char *s, char *err, size_t errlen)
{
    while (s && *s) {
        const char *end = strchr(s, ':');
        size_t n = end ? (size_t)(end - s) : strlen(s);
        if (n && opt_parse_one(o, s, n, err, errlen) < 0)
            return -1;
        s = end ? end + 1 : NULL;
    }
    return 0;
}

static void help_default(fmt_t *f, const struct opt_desc *d)
{
    switch (d->kind) {
    case K_STR:
        fmt_str(f, d->sdef[0] ? d->sdef : "none");
        break;
    case K_SIZE:
        fmt_size(f, (uint64_t)d->def);
        break;
    case K_ENUM: {
        const char *w = d->values;
        for (long i = 0; i < d->def; i++)
            w = strchr(w, '|') + 1;
        const char *end = strchr(w, '|');
        fmt_mem(f, w, end ? (size_t)(end - w) : strlen(w));
        break;
    }
    default:
        fmt_i64(f, d->def);
    }
}

void opt_help(fmt_t *f)
{
    size_t width = 18;
    for (size_t i = 0; i < WD_ARRAY_LEN(opts); i++)
        if (strlen(opts[i].name) + 4 > width)
            width = strlen(opts[i].name) + 4;
    for (size_t i = 0; i < WD_ARRAY_LEN(opts); i++) {
        const struct opt_desc *d = &opts[i];
        size_t start = f->len;
        fmt_str(f, "  ");
        fmt_str(f, d->name);
        fmt_pad(f, start, width);
        fmt_str(f, d->help);
        fmt_str(f, " (default: ");
        help_default(f, d);
        fmt_str(f, ")\n");
    }
}
