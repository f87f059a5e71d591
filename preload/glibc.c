/* glibc's malloc family, looked up in libc's dynamic symbol table (see
 * glibc.h). dlsym is not used: it may allocate, and this is what an
 * allocation falls back on. The lookup is made once; threads that race to
 * make it store the same addresses. */
#define _GNU_SOURCE
#include "glibc.h"
#include "dynsym.h"

#include <errno.h>
#include <link.h>
#include <stdbool.h>
#include <string.h>

enum { F_MALLOC, F_CALLOC, F_REALLOC, F_MEMALIGN, F_FREE, F_USABLE, F_COUNT };

static const char *const names[F_COUNT] = {
    "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign", "__libc_free",
    "malloc_usable_size",
};

static void *fns[F_COUNT];
static bool looked;

static bool is_libc(const char *path)
{
    const char *base = path ? strrchr(path, '/') : NULL;
    base = base ? base + 1 : path;
    return base && strncmp(base, "libc.so", 7) == 0;
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    (void)size;
    (void)arg;
    if (!is_libc(info->dlpi_name))
        return 0;
    for (int i = 0; i < F_COUNT; i++)
        __atomic_store_n(&fns[i], (void *)dynsym_lookup(info, names[i]), __ATOMIC_RELAXED);
    return 1;
}

static void *fn(int i)
{
    if (!__atomic_load_n(&looked, __ATOMIC_ACQUIRE)) {
        dl_iterate_phdr(visit, NULL);
        __atomic_store_n(&looked, true, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&fns[i], __ATOMIC_RELAXED);
}

/* Without libc's functions (never seen: every dynamic program has libc)
 * an allocation fails as if memory had run out. */
static void *no_memory(void)
{
    errno = ENOMEM;
    return NULL;
}

void *glibc_malloc(size_t size)
{
    void *(*f)(size_t) = (void *(*)(size_t))fn(F_MALLOC);
    return f ? f(size) : no_memory();
}

void *glibc_calloc(size_t n, size_t size)
{
    void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))fn(F_CALLOC);
    return f ? f(n, size) : no_memory();
}

void *glibc_realloc(void *p, size_t size)
{
    void *(*f)(void *, size_t) = (void *(*)(void *, size_t))fn(F_REALLOC);
    return f ? f(p, size) : no_memory();
}

void *glibc_memalign(size_t align, size_t size)
{
    void *(*f)(size_t, size_t) = (void *(*)(size_t, size_t))fn(F_MEMALIGN);
    return f ? f(align, size) : no_memory();
}

void glibc_free(void *p)
{
    void (*f)(void *) = (void (*)(void *))fn(F_FREE);
    if (f)
        f(p);
}

size_t glibc_usable_size(void *p)
{
    size_t (*f)(void *) = (size_t (*)(void *))fn(F_USABLE);
    return f && p ? f(p) : 0;
}
