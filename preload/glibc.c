/* glibc's malloc family, looked up in libc's dynamic symbol table (see
 * glibc.h): libc's own malloc, free and the rest, whatever else defines
 * those names first. dlsym is not used: it may allocate, and this is what
 * an allocation falls back on. The lookup is made once; threads that race
 * to make it store the same addresses.
 *
 * The lookup calls dl_iterate_phdr, which a program or a preloaded
 * library may replace with one that allocates: what that asks for on this
 * thread meanwhile comes from a small static pool, never given back. */
#define _GNU_SOURCE
#include "glibc.h"
#include "common.h"
#include "dynsym.h"

#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_MEMALIGN, F_FREE, F_USABLE, F_COUNT };

static const char *const names[F_COUNT] = {
    "malloc", "calloc", "realloc", "memalign", "free", "malloc_usable_size",
};

static void *fns[F_COUNT];
static bool looked;
static WD_TLS bool looking;

#define POOL_SIZE (64u << 10)
static _Alignas(4096) unsigned char pool[POOL_SIZE];
static size_t pool_used;

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    if (!dynsym_named(info->dlpi_name, "libc.so"))
        return 0;
    for (int i = 0; i < F_COUNT; i++)
        __atomic_store_n(&fns[i], (void *)dynsym_lookup(info, names[i]), __ATOMIC_RELAXED);
    return 1;
}

/* NULL while this thread is looking (the caller then uses the pool). */
static void *fn(int i)
{
    if (!__atomic_load_n(&looked, __ATOMIC_ACQUIRE)) {
        if (looking)
            return NULL;
        looking = true;
        dl_iterate_phdr(visit, NULL);
        looking = false;
        __atomic_store_n(&looked, true, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&fns[i], __ATOMIC_RELAXED);
}

/* Each block is preceded by its size; zeroed, since the pool is never
 * reused. Without libc's functions (never seen: every dynamic program has
 * libc) an allocation fails as if memory had run out. */
static void *pool_take(size_t size, size_t align)
{
    size_t used = __atomic_load_n(&pool_used, __ATOMIC_RELAXED), start;
    do {
        start = WD_ALIGN_UP(used + 16, align < 16 ? 16 : align);
        if (!looking || size > POOL_SIZE || start > POOL_SIZE - size) {
            errno = ENOMEM;
            return NULL;
        }
    } while (!__atomic_compare_exchange_n(&pool_used, &used, start + size, true,
                                          __ATOMIC_RELAXED, __ATOMIC_RELAXED));
    memcpy(pool + start - 16, &size, sizeof size);
    return pool + start;
}

static bool in_pool(const void *p)
{
    return (const unsigned char *)p >= pool && (const unsigned char *)p < pool + POOL_SIZE;
}

static size_t pool_size(const void *p)
{
    size_t size;
    memcpy(&size, (const unsigned char *)p - 16, sizeof size);
    return size;
}

void *glibc_malloc(size_t size)
{
    void *(*f)(size_t) = (void *(*)(size_t))fn(F_MALLOC);
    return f ? f(size) : pool_take(size, 16);
}

void *glibc_calloc(size_t n, size_t size)
{
    void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))fn(F_CALLOC);
    size_t total;
    if (f)
        return f(n, size);
    if (__builtin_mul_overflow(n, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    return pool_take(total, 16);
}

void *glibc_realloc(void *p, size_t size)
{
    if (p && in_pool(p)) {
        void *q = glibc_malloc(size);
        if (q)
            memcpy(q, p, pool_size(p) < size ? pool_size(p) : size);
        return q;
    }
    void *(*f)(void *, size_t) = (void *(*)(void *, size_t))fn(F_REALLOC);
    return f ? f(p, size) : p ? (errno = ENOMEM, NULL) : pool_take(size, 16);
}

void *glibc_memalign(size_t align, size_t size)
{
    void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))fn(F_MEMALIGN);
    return f ? f(align, size) : pool_take(size, align);
}

void glibc_free(void *p)
{
    if (!p || in_pool(p))
        return;
    void (*f)(void *) = (void (*)(void *))fn(F_FREE);
    if (f)
        f(p);
}

size_t glibc_usable_size(void *p)
{
    if (p && in_pool(p))
        return pool_size(p);
    size_t (*f)(void *) = (size_t (*)(void *))fn(F_USABLE);
    return f && p ? f(p) : 0;
}
