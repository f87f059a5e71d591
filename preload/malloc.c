/* The malloc family, interposed. Each function checks its arguments the
 * way glibc documents, then hands the call to the core. While ward is inert
 * (bad options, setuid), calls go to glibc, except for blocks ward placed
 * before it went inert, which it still frees itself. */
#define _GNU_SOURCE
#include "core.h"
#include "glibc.h"
#include "heap.h"
#include "here.h"
#include "stacks.h"
#include "threads.h"

#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline bool active(void)
{
    if (WD_LIKELY(wd_state == WD_ACTIVE))
        return true;
    core_init();
    return wd_state == WD_ACTIVE;
}

/* A block of ward's reached while ward is inert: handled quietly. */
static inline bool quiet_ours(const void *p)
{
    return p && arena_contains(p);
}

static bool is_pow2(size_t x)
{
    return x && !(x & (x - 1));
}

/* Allocation leaves errno alone unless it fails. */
static void *keep_errno(void *p, int saved)
{
    if (p)
        errno = saved;
    return p;
}

/* ward went inert during the call (its memory ran out): glibc takes it. */
#define OR_LIBC(p, libc_call) ((p) || wd_state != WD_INERT ? (p) : (libc_call))

static void *aligned(size_t align, size_t size, uint32_t stack)
{
    int saved = errno;
    if (align > PTRDIFF_MAX || size > PTRDIFF_MAX - align) {
        errno = ENOMEM;
        return NULL;
    }
    void *p = core_alloc(size, align < 16 ? 16 : align, false, BH_MALLOC, stack);
    return keep_errno(OR_LIBC(p, glibc_memalign(align < 16 ? 16 : align, size)), saved);
}

/* A block of ward's, resized while ward is inert: it moves to glibc. */
static void *realloc_to_libc(void *p, size_t size)
{
    size_t old = core_usable_size(p);
    if (!size) {
        free(p);
        return NULL;
    }
    void *q = glibc_malloc(size);
    if (q) {
        memcpy(q, p, old < size ? old : size);
        free(p);
    }
    return q;
}

WD_EXPORT void *malloc(size_t size)
{
    if (!active())
        return glibc_malloc(size);
    return aligned(16, size, HERE());
}

WD_EXPORT void free(void *p)
{
    if (!p)
        return;
    int saved_errno = errno;            /* free() never changes errno */
    if (WD_UNLIKELY(wd_state != WD_ACTIVE)) {
        if (!quiet_ours(p)) {
            glibc_free(p);
            return;
        }
        wd_tls.in_ward++;
        core_free(p, BH_MALLOC, 0, "free", STACK_NONE);
        wd_tls.in_ward--;
        errno = saved_errno;
        return;
    }
    heap_prefetch_free(p);
    core_free(p, BH_MALLOC, 0, "free", HERE());
    errno = saved_errno;
}

WD_EXPORT void *calloc(size_t n, size_t size)
{
    size_t total;
    if (!active())
        return glibc_calloc(n, size);
    if (__builtin_mul_overflow(n, size, &total) || total > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    int saved = errno;
    void *p = core_alloc(total, 16, true, BH_MALLOC, HERE());
    return keep_errno(OR_LIBC(p, glibc_calloc(n, size)), saved);
}

WD_EXPORT void *realloc(void *p, size_t size)
{
    if (WD_UNLIKELY(wd_state != WD_ACTIVE)) {
        if (wd_state == WD_UNINIT && !p)
            return malloc(size);
        if (!quiet_ours(p))
            return glibc_realloc(p, size);
        return realloc_to_libc(p, size);
    }
    if (size > PTRDIFF_MAX) {
        errno = ENOMEM;
        return NULL;
    }
    int saved = errno;
    heap_prefetch_free(p);
    void *q = core_realloc(p, size, HERE());
    if (!q && size && wd_state == WD_INERT)
        q = realloc_to_libc(p, size);
    return size ? keep_errno(q, saved) : (errno = saved, q);
}

WD_EXPORT void *reallocarray(void *p, size_t n, size_t size)
{
    size_t total;
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return realloc(p, total);
}

/* glibc (2.36) rounds an alignment that is not a power of two up to one,
 * in memalign and aligned_alloc alike. */
static void *round_aligned(size_t align, size_t size, uint32_t stack)
{
    if (!active())
        return glibc_memalign(align, size);
    if (align > SIZE_MAX / 2 + 1) {
        errno = EINVAL;
        return NULL;
    }
    if (!is_pow2(align))
        align = align < 2 ? 1 : 1UL << (64 - __builtin_clzl(align - 1));
    return aligned(align, size, stack);
}

WD_EXPORT void *memalign(size_t align, size_t size)
{
    return round_aligned(align, size, HERE());
}

WD_EXPORT void *aligned_alloc(size_t align, size_t size)
{
    return round_aligned(align, size, HERE());
}

WD_EXPORT int posix_memalign(void **out, size_t align, size_t size)
{
    void *p;
    if (!is_pow2(align) || align % sizeof(void *))
        return EINVAL;
    if (!active()) {
        p = glibc_memalign(align, size);
    } else {
        int saved = errno;
        p = aligned(align, size, HERE());
        errno = saved;
    }
    if (!p)
        return ENOMEM;
    *out = p;
    return 0;
}

WD_EXPORT void *valloc(size_t size)
{
    if (!active())
        return glibc_memalign(4096, size);
    return aligned((size_t)sysconf(_SC_PAGESIZE), size, HERE());
}

WD_EXPORT void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t rounded = size ? (size + page - 1) & ~(page - 1) : page;
    if (rounded < size) {
        errno = ENOMEM;
        return NULL;
    }
    if (!active())
        return glibc_memalign(page, rounded);
    return aligned(page, rounded, HERE());
}

WD_EXPORT size_t malloc_usable_size(void *p)
{
    if (WD_UNLIKELY(wd_state != WD_ACTIVE) && !quiet_ours(p))
        return glibc_usable_size(p);
    return core_usable_size(p);
}

/* glibc's other names for the same functions. A program or library that
 * calls __libc_malloc directly (a malloc wrapper of its own, an old hook)
 * would otherwise get blocks ward never saw, and ward would call their
 * free invalid; Valgrind replaces these names too. cfree is what old
 * binaries link to. (gcc asks that an alias repeat its target's
 * attributes, which only optimise callers: nobody calls these from here.) */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmissing-attributes"
#endif
WD_EXPORT void *__libc_malloc(size_t size) __attribute__((alias("malloc")));
WD_EXPORT void *__libc_calloc(size_t n, size_t size) __attribute__((alias("calloc")));
WD_EXPORT void *__libc_realloc(void *p, size_t size) __attribute__((alias("realloc")));
WD_EXPORT void *__libc_memalign(size_t align, size_t size) __attribute__((alias("memalign")));
WD_EXPORT void *__libc_valloc(size_t size) __attribute__((alias("valloc")));
WD_EXPORT void *__libc_pvalloc(size_t size) __attribute__((alias("pvalloc")));
WD_EXPORT void __libc_free(void *p) __attribute__((alias("free")));
WD_EXPORT void cfree(void *p) __attribute__((alias("free")));
