/* libc's functions that copy and fill memory, interposed so that the bytes
 * each call reads and writes are checked against ward's blocks first
 * (access.h), then the call goes on to libc's own as it would have: the
 * program's overflow still happens, as its own bug, after the report.
 *
 * The _FORTIFY_SOURCE entry points (__memcpy_chk and the like) are here
 * too, since a program built with it calls those; they fail as glibc's do
 * (__chk_fail) when the destination is smaller than the call writes.
 *
 * ward's own calls go past all this: the library is linked with --wrap for
 * each of these functions its code calls (WRAPPED in the Makefile), whose
 * __wrap_ versions below call libc directly; the libraries ward runs
 * (libunwind, libdw, zstd) call with in_ward set. Until libc's functions
 * are found (the constructors of libraries initialised before ward's run
 * first), simple loops stand in. */
#define _GNU_SOURCE
#undef _FORTIFY_SOURCE              /* this file defines what it would wrap */
#include "access.h"
#include "next.h"

#include <stdlib.h>
#include <string.h>

typedef void *(*copy_fn)(void *, const void *, size_t);
typedef void *(*set_fn)(void *, int, size_t);
typedef char *(*str_fn)(char *, const char *);
typedef char *(*strn_fn)(char *, const char *, size_t);
typedef size_t (*len_fn)(const char *);
typedef size_t (*nlen_fn)(const char *, size_t);
typedef char *(*dup_fn)(const char *);
typedef char *(*ndup_fn)(const char *, size_t);

extern void __chk_fail(void) __attribute__((noreturn));

/* ---- stand-ins until libc's are found: no call the compiler could turn
 * back into memcpy or memset ---- */

static void *early_memcpy(void *d, const void *s, size_t n)
{
    void *r = d;
    __asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
    return r;
}

static void *early_memmove(void *d, const void *s, size_t n)
{
    if ((uintptr_t)d - (uintptr_t)s >= n)
        return early_memcpy(d, s, n);
    /* Overlapping, destination above: copy from the end down. */
    unsigned char *dp = (unsigned char *)d + n - 1;
    const unsigned char *sp = (const unsigned char *)s + n - 1;
    __asm__ volatile("std\n\trep movsb\n\tcld" : "+D"(dp), "+S"(sp), "+c"(n) : : "memory");
    return d;
}

static void *early_memset(void *d, int c, size_t n)
{
    void *r = d;
    __asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
    return r;
}

static size_t early_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n]) {
        n++;
        __asm__("" : "+r"(n));          /* not a loop to recognise */
    }
    return n;
}

static size_t early_strlen(const char *s)
{
    return early_strnlen(s, SIZE_MAX);
}

static char *early_strcpy(char *d, const char *s)
{
    early_memcpy(d, s, early_strlen(s) + 1);
    return d;
}

static char *early_stpcpy(char *d, const char *s)
{
    size_t n = early_strlen(s);
    early_memcpy(d, s, n + 1);
    return d + n;
}

static char *early_strncpy(char *d, const char *s, size_t n)
{
    size_t k = early_strnlen(s, n);
    early_memcpy(d, s, k);
    early_memset(d + k, 0, n - k);
    return d;
}

static char *early_strcat(char *d, const char *s)
{
    early_strcpy(d + early_strlen(d), s);
    return d;
}

static char *early_strncat(char *d, const char *s, size_t n)
{
    char *e = d + early_strlen(d);
    size_t k = early_strnlen(s, n);
    early_memcpy(e, s, k);
    e[k] = 0;
    return d;
}

static struct {
    copy_fn memcpy, memmove, mempcpy;
    set_fn memset;
    str_fn strcpy, stpcpy, strcat;
    strn_fn strncpy, strncat;
    len_fn strlen;
    nlen_fn strnlen;
    dup_fn strdup;
    ndup_fn strndup;
} real = {
    .memcpy = early_memcpy, .memmove = early_memmove, .memset = early_memset,
    .strcpy = early_strcpy, .stpcpy = early_stpcpy, .strcat = early_strcat,
    .strncpy = early_strncpy, .strncat = early_strncat, .strlen = early_strlen,
    .strnlen = early_strnlen,
};

/* Each stays the stand-in (or NULL: the callers then make do) if libc's
 * cannot be found. */
static void find(void **slot, const char *name)
{
    void *f = preload_next(name);
    if (f)
        *slot = f;
}

#define FIND(fn) find((void **)&real.fn, #fn)

__attribute__((constructor(102))) static void resolve(void)
{
    FIND(memcpy);
    FIND(memmove);
    FIND(mempcpy);
    FIND(memset);
    FIND(strcpy);
    FIND(stpcpy);
    FIND(strcat);
    FIND(strncpy);
    FIND(strncat);
    FIND(strlen);
    FIND(strnlen);
    FIND(strdup);
    FIND(strndup);
}

/* ---- ward's own calls (see --wrap in the Makefile) ---- */

void *__wrap_memcpy(void *d, const void *s, size_t n)
{
    return real.memcpy(d, s, n);
}

void *__wrap_memmove(void *d, const void *s, size_t n)
{
    return real.memmove(d, s, n);
}

void *__wrap_memset(void *d, int c, size_t n)
{
    return real.memset(d, c, n);
}

size_t __wrap_strlen(const char *s)
{
    return real.strlen(s);
}

size_t __wrap_strnlen(const char *s, size_t max)
{
    return real.strnlen(s, max);
}

char *__wrap_strcpy(char *d, const char *s)
{
    return real.strcpy(d, s);
}

char *__wrap_stpcpy(char *d, const char *s)
{
    return real.stpcpy(d, s);
}

/* n bytes of s and a terminator, in a new block: strdup and strndup until
 * libc's are found. */
static char *dup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        real.memcpy(d, s, n);
        d[n] = 0;
    }
    return d;
}

char *__wrap_strdup(const char *s)
{
    return real.strdup ? real.strdup(s) : dup(s, real.strlen(s));
}

/* ---- the checks: the range each call reads, then the one it writes.
 * dlen: what a _FORTIFY_SOURCE form was told the destination holds
 * (SIZE_MAX for the plain ones); a write that needs more is never made,
 * glibc's check (__chk_fail) ending the process first. ---- */

#define CALLER __builtin_return_address(0)
#define ANY SIZE_MAX

/* Whether a call on d and s has anything to check (its lengths measured
 * only then). */
static inline bool worth_checking(const void *d, const void *s)
{
    return wd_opt.check_libc && (arena_contains(d) || arena_contains(s));
}

/* The bytes a scan bounded by max read of a string len long: its
 * terminator too, if the bound let it get there. */
static inline size_t bounded_read(size_t len, size_t max)
{
    return len < max ? len + 1 : len;
}

static inline enum access_kind write_kind(size_t need, size_t dlen)
{
    return need > dlen ? ACCESS_WRITE_REFUSED : ACCESS_WRITE;
}

static inline void check_copy(void *d, const void *s, size_t n, size_t dlen, const char *fn,
                              void *caller)
{
    access_check(s, n, ACCESS_READ, fn, caller);
    access_check(d, n, write_kind(n, dlen), fn, caller);
}

/* strcpy's and stpcpy's: the string and its terminator. Returns that
 * length, or 0 when it did not need it. */
static inline size_t check_strcpy(char *d, const char *s, size_t dlen, const char *fn,
                                  void *caller)
{
    if (dlen == ANY && !worth_checking(d, s))
        return 0;
    size_t n = real.strlen(s) + 1;
    check_copy(d, s, n, dlen, fn, caller);
    return n;
}

/* strncpy writes all n bytes, padding with zeros; it reads up to the
 * terminator, or n bytes. */
static inline void check_strncpy(char *d, const char *s, size_t n, size_t dlen,
                                 const char *fn, void *caller)
{
    if (n && worth_checking(d, s)) {
        size_t k = real.strnlen(s, n);
        access_check(s, bounded_read(k, n), ACCESS_READ, fn, caller);
        access_check(d, n, write_kind(n, dlen), fn, caller);
    }
}

/* strcat reads the destination's string, and writes the source's with its
 * terminator over the destination's terminator. max: strncat's bound on
 * the source (ANY for strcat). Returns the bytes the result holds,
 * terminator included, or 0 when it did not need them. */
static inline size_t check_strcat(char *d, const char *s, size_t max, size_t dlen,
                                  const char *fn, void *caller)
{
    if (dlen == ANY && !worth_checking(d, s))
        return 0;
    size_t dl = real.strlen(d), k = max == ANY ? real.strlen(s) : real.strnlen(s, max);
    access_check(d, dl + 1, ACCESS_READ, fn, caller);
    access_check(s, bounded_read(k, max), ACCESS_READ, fn, caller);
    access_check(d + dl, k + 1, write_kind(dl + k + 1, dlen), fn, caller);
    return dl + k + 1;
}

WD_EXPORT void *memcpy(void *d, const void *s, size_t n)
{
    check_copy(d, s, n, ANY, "memcpy", CALLER);
    return real.memcpy(d, s, n);
}

WD_EXPORT void *memmove(void *d, const void *s, size_t n)
{
    check_copy(d, s, n, ANY, "memmove", CALLER);
    return real.memmove(d, s, n);
}

WD_EXPORT void *mempcpy(void *d, const void *s, size_t n)
{
    check_copy(d, s, n, ANY, "mempcpy", CALLER);
    if (real.mempcpy)
        return real.mempcpy(d, s, n);
    return (char *)real.memcpy(d, s, n) + n;
}

WD_EXPORT void *memset(void *d, int c, size_t n)
{
    access_check(d, n, ACCESS_WRITE, "memset", CALLER);
    return real.memset(d, c, n);
}

WD_EXPORT char *strcpy(char *d, const char *s)
{
    check_strcpy(d, s, ANY, "strcpy", CALLER);
    return real.strcpy(d, s);
}

WD_EXPORT char *stpcpy(char *d, const char *s)
{
    check_strcpy(d, s, ANY, "stpcpy", CALLER);
    return real.stpcpy(d, s);
}

WD_EXPORT char *strncpy(char *d, const char *s, size_t n)
{
    check_strncpy(d, s, n, ANY, "strncpy", CALLER);
    return real.strncpy(d, s, n);
}

WD_EXPORT char *strcat(char *d, const char *s)
{
    check_strcat(d, s, ANY, ANY, "strcat", CALLER);
    return real.strcat(d, s);
}

WD_EXPORT char *strncat(char *d, const char *s, size_t n)
{
    check_strcat(d, s, n, ANY, "strncat", CALLER);
    return real.strncat(d, s, n);
}

/* Reads only: a string that runs past its block's end (no terminator in
 * it) is read past the end. */
WD_EXPORT size_t strlen(const char *s)
{
    size_t n = real.strlen(s);
    access_check(s, n + 1, ACCESS_READ, "strlen", CALLER);
    return n;
}

WD_EXPORT size_t strnlen(const char *s, size_t max)
{
    size_t n = real.strnlen(s, max);
    access_check(s, bounded_read(n, max), ACCESS_READ, "strnlen", CALLER);
    return n;
}

/* The copy that libc's strdup makes from inside libc is not a call ward
 * sees: its source is checked here. The new block is malloc's, so ward's. */
WD_EXPORT char *strdup(const char *s)
{
    if (arena_contains(s))
        access_check(s, real.strlen(s) + 1, ACCESS_READ, "strdup", CALLER);
    return __wrap_strdup(s);                /* libc's, or the stand-in */
}

WD_EXPORT char *strndup(const char *s, size_t max)
{
    if (arena_contains(s)) {
        size_t n = real.strnlen(s, max);
        access_check(s, bounded_read(n, max), ACCESS_READ, "strndup", CALLER);
    }
    return real.strndup ? real.strndup(s, max) : dup(s, real.strnlen(s, max));
}

/* ---- the _FORTIFY_SOURCE forms, which fail as glibc's do ---- */

WD_EXPORT void *__memcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
    check_copy(d, s, n, dlen, "memcpy", CALLER);
    if (dlen < n)
        __chk_fail();
    return real.memcpy(d, s, n);
}

WD_EXPORT void *__memmove_chk(void *d, const void *s, size_t n, size_t dlen)
{
    check_copy(d, s, n, dlen, "memmove", CALLER);
    if (dlen < n)
        __chk_fail();
    return real.memmove(d, s, n);
}

WD_EXPORT void *__mempcpy_chk(void *d, const void *s, size_t n, size_t dlen)
{
    check_copy(d, s, n, dlen, "mempcpy", CALLER);
    if (dlen < n)
        __chk_fail();
    return (char *)real.memcpy(d, s, n) + n;
}

WD_EXPORT void *__memset_chk(void *d, int c, size_t n, size_t dlen)
{
    access_check(d, n, write_kind(n, dlen), "memset", CALLER);
    if (dlen < n)
        __chk_fail();
    return real.memset(d, c, n);
}

WD_EXPORT char *__strcpy_chk(char *d, const char *s, size_t dlen)
{
    if (check_strcpy(d, s, dlen, "strcpy", CALLER) > dlen)
        __chk_fail();
    return real.strcpy(d, s);
}

WD_EXPORT char *__stpcpy_chk(char *d, const char *s, size_t dlen)
{
    if (check_strcpy(d, s, dlen, "stpcpy", CALLER) > dlen)
        __chk_fail();
    return real.stpcpy(d, s);
}

WD_EXPORT char *__strncpy_chk(char *d, const char *s, size_t n, size_t dlen)
{
    check_strncpy(d, s, n, dlen, "strncpy", CALLER);
    if (dlen < n)
        __chk_fail();
    return real.strncpy(d, s, n);
}

WD_EXPORT char *__strcat_chk(char *d, const char *s, size_t dlen)
{
    if (check_strcat(d, s, ANY, dlen, "strcat", CALLER) > dlen)
        __chk_fail();
    return real.strcat(d, s);
}

WD_EXPORT char *__strncat_chk(char *d, const char *s, size_t n, size_t dlen)
{
    if (check_strcat(d, s, n, dlen, "strncat", CALLER) > dlen)
        __chk_fail();
    return real.strncat(d, s, n);
}
