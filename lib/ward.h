/* ward.h: the public interface of ward, a memory debugger for C and C++.
 *
 * A program that includes this header compiles, links and runs unchanged
 * without ward and needs no extra link flag: every call does nothing (and
 * ward_malloc_pinned is malloc) unless ward is present, under `ward run`
 * or linked with -lward. Each call finds ward's implementation once, with
 * dlsym, the first time it is made.
 *
 * Owners: every block belongs to a named part of the program, the one
 * responsible for freeing it. Reports, leak reports and the stats=1 table
 * name it. The default owner is the thread's name, or "main".
 *
 * Pinning: a pinned block must never move (it holds pointers into
 * itself). realloc() of a pinned block that cannot be done in place is
 * reported as pinned-move and fails, leaving the block where it is.
 *
 * Coroutines: ward follows makecontext/swapcontext/setcontext by itself.
 * Other switchers (assembly, libaco, boost.context) tell it with
 * ward_coro_register, ward_coro_switch and ward_coro_exit. */
#ifndef WARD_H
#define WARD_H

#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>

#define WARD_VERSION_MAJOR 0
#define WARD_VERSION_MINOR 1
#define WARD_VERSION_PATCH 0
#define WARD_VERSION "0.1.0"

#ifdef __cplusplus
extern "C" {
#endif

/* The table ward exports as "ward_api_v1". Fields are only ever added at
 * the end; size says how many a given ward has. */
struct ward_api {
    size_t size;
    void        (*owner_push)(const char *name);
    void        (*owner_pop)(void);
    int         (*owner_set)(void *ptr, const char *name);
    const char *(*owner_of)(const void *ptr);
    int         (*pin)(void *ptr);
    int         (*unpin)(void *ptr);
    void       *(*malloc_pinned)(size_t size);
    int         (*coro_register)(const char *name, void *stack, size_t size);
    void        (*coro_switch)(int id);
    void        (*coro_exit)(int id);
    void        (*coro_name)(const char *name);
};

static inline const struct ward_api *ward_api_(void)
{
    static const struct ward_api *api;
    static int looked;
    if (!__atomic_load_n(&looked, __ATOMIC_ACQUIRE)) {
        /* (void *)0 is RTLD_DEFAULT, which needs _GNU_SOURCE to be named. */
        const struct ward_api *a = (const struct ward_api *)dlsym((void *)0, "ward_api_v1");
        __atomic_store_n(&api, a, __ATOMIC_RELAXED);
        __atomic_store_n(&looked, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&api, __ATOMIC_RELAXED);
}

#define WARD_HAS_(a, f) ((a) && (a)->size >= offsetof(struct ward_api, f) + sizeof((a)->f))

/* Later allocations on this thread belong to name (copied). */
static inline void ward_owner_push(const char *name)
{
    const struct ward_api *a = ward_api_();
    if (WARD_HAS_(a, owner_push))
        a->owner_push(name);
}

/* Back to the owner before the last push. */
static inline void ward_owner_pop(void)
{
    const struct ward_api *a = ward_api_();
    if (WARD_HAS_(a, owner_pop))
        a->owner_pop();
}

/* Hands a live block to another owner: 0, or -1 if ptr is not the start
 * of a live block (or ward is absent). */
static inline int ward_owner_set(void *ptr, const char *name)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, owner_set) ? a->owner_set(ptr, name) : -1;
}

/* The owner of the live block ptr points into, or NULL if unknown. */
static inline const char *ward_owner_of(const void *ptr)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, owner_of) ? a->owner_of(ptr) : NULL;
}

/* From now on the block must not move: 0, or -1 if ptr is not the start
 * of a live block (or ward is absent). */
static inline int ward_pin(void *ptr)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, pin) ? a->pin(ptr) : -1;
}

static inline int ward_unpin(void *ptr)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, unpin) ? a->unpin(ptr) : -1;
}

/* A block pinned from birth, between guard pages; freed with free(). */
static inline void *ward_malloc_pinned(size_t size)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, malloc_pinned) ? a->malloc_pinned(size) : malloc(size);
}

/* A coroutine running on [stack, stack + size), which ward guards if it
 * lies in a heap block. Returns its id (> 0), or 0 without ward. */
static inline int ward_coro_register(const char *name, void *stack, size_t size)
{
    const struct ward_api *a = ward_api_();
    return WARD_HAS_(a, coro_register) ? a->coro_register(name, stack, size) : 0;
}

/* Call right before switching to coroutine id (0: the thread's own stack). */
static inline void ward_coro_switch(int id)
{
    const struct ward_api *a = ward_api_();
    if (WARD_HAS_(a, coro_switch))
        a->coro_switch(id);
}

/* The coroutine has finished. */
static inline void ward_coro_exit(int id)
{
    const struct ward_api *a = ward_api_();
    if (WARD_HAS_(a, coro_exit))
        a->coro_exit(id);
}

/* Names the current coroutine (ucontext ones too); the name is also the
 * default owner of what it allocates. */
static inline void ward_coro_name(const char *name)
{
    const struct ward_api *a = ward_api_();
    if (WARD_HAS_(a, coro_name))
        a->coro_name(name);
}

#ifdef __cplusplus
}
#endif

#endif
