/* C++'s operator new and delete, interposed. Their blocks are ward's like
 * any other, and each remembers which family made it, so that delete of
 * a malloc'd block, free of a new'd one, and delete of new []'s (or
 * delete [] of new's) are reported as alloc-dealloc-mismatch, as memcheck
 * and ASan do.
 *
 * A program may define some of these operators itself (a pool behind its
 * own operator new, a counting delete), and the standard lets it replace
 * any one alone: its operator new may then call malloc and leave delete
 * to the default, which calls free. So when any of them is not ward's,
 * ward's stand aside for all of them: each calls the definition it hides
 * (libstdc++'s, which reaches the program's through the usual lookup) and
 * nothing is checked. So they do while ward is inert, and when ward's own
 * heap cannot serve a call: libstdc++ then runs the new_handler loop and
 * throws std::bad_alloc, which ward's C code cannot. */
#define _GNU_SOURCE
#include "core.h"
#include "here.h"
#include "next.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>

/* The mangled names (x86-64: size_t is m, std::align_val_t a size_t). */
#define NEW            _Znwm
#define NEW_ARR        _Znam
#define NEW_NT         _ZnwmRKSt9nothrow_t
#define NEW_ARR_NT     _ZnamRKSt9nothrow_t
#define NEW_AL         _ZnwmSt11align_val_t
#define NEW_ARR_AL     _ZnamSt11align_val_t
#define NEW_AL_NT      _ZnwmSt11align_val_tRKSt9nothrow_t
#define NEW_ARR_AL_NT  _ZnamSt11align_val_tRKSt9nothrow_t
#define DEL            _ZdlPv
#define DEL_ARR        _ZdaPv
#define DEL_SZ         _ZdlPvm
#define DEL_ARR_SZ     _ZdaPvm
#define DEL_NT         _ZdlPvRKSt9nothrow_t
#define DEL_ARR_NT     _ZdaPvRKSt9nothrow_t
#define DEL_AL         _ZdlPvSt11align_val_t
#define DEL_ARR_AL     _ZdaPvSt11align_val_t
#define DEL_SZ_AL      _ZdlPvmSt11align_val_t
#define DEL_ARR_SZ_AL  _ZdaPvmSt11align_val_t
#define DEL_AL_NT      _ZdlPvSt11align_val_tRKSt9nothrow_t
#define DEL_ARR_AL_NT  _ZdaPvSt11align_val_tRKSt9nothrow_t

#define STR_(x) #x
#define STR(x)  STR_(x)

static const char *const names[] = {
    STR(NEW), STR(NEW_ARR), STR(NEW_NT), STR(NEW_ARR_NT), STR(NEW_AL), STR(NEW_ARR_AL),
    STR(NEW_AL_NT), STR(NEW_ARR_AL_NT), STR(DEL), STR(DEL_ARR), STR(DEL_SZ),
    STR(DEL_ARR_SZ), STR(DEL_NT), STR(DEL_ARR_NT), STR(DEL_AL), STR(DEL_ARR_AL),
    STR(DEL_SZ_AL), STR(DEL_ARR_SZ_AL), STR(DEL_AL_NT), STR(DEL_ARR_AL_NT),
};

/* 1: every operator the program calls is ward's; 0: some are not; -1:
 * not looked at yet. Looked at on the first call, when the program and
 * the libraries it was linked with are all loaded. */
static _Atomic int all_ours = -1;

static bool find_all_ours(void)
{
    Dl_info self, info;
    bool ours = true;
    wd_tls.in_ward++;
    if (!dladdr((void *)find_all_ours, &self))
        ours = false;
    for (size_t i = 0; ours && i < sizeof names / sizeof *names; i++) {
        void *f = dlsym(RTLD_DEFAULT, names[i]);
        ours = f && dladdr(f, &info) && info.dli_fbase == self.dli_fbase;
    }
    wd_tls.in_ward--;
    atomic_store_explicit(&all_ours, ours, memory_order_relaxed);
    return ours;
}

/* Whether this call is ward's to serve and check. */
static inline bool checked(void)
{
    if (WD_UNLIKELY(wd_state != WD_ACTIVE)) {
        core_init();
        if (wd_state != WD_ACTIVE)
            return false;
    }
    int ours = atomic_load_explicit(&all_ours, memory_order_relaxed);
    return WD_LIKELY(ours > 0) || (ours < 0 && find_all_ours());
}

/* The definition an operator hides, looked up once. */
#define NEXT(type, name)                                                  \
    static type next_;                                                    \
    if (WD_UNLIKELY(!next_))                                              \
        next_ = (type)preload_next(STR(name));

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);
typedef void (*del_fn)(void *);
typedef void (*del_sz_fn)(void *, size_t);
typedef void (*del_nt_fn)(void *, const void *);
typedef void (*del_sz_al_fn)(void *, size_t, size_t);
typedef void (*del_al_nt_fn)(void *, size_t, const void *);

/* An allocation that libstdc++ made for ward after all (its new_handler
 * freed memory): it came through malloc, and is new's. */
static void *adopt(void *p, uint8_t how)
{
    if (p)
        core_set_how(p, how);
    return p;
}

/* Without a C++ runtime to hand a call to (none should call these then),
 * the C equivalents, which can only return NULL. */
#define OR_C(call, c_call) (next_ ? (call) : (c_call))

/* ---- new ---- */

WD_EXPORT void *NEW(size_t size)
{
    NEXT(new_fn, NEW);
    if (checked()) {
        void *p = core_alloc(size, 16, false, BH_NEW, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size), NULL), BH_NEW);
    }
    return OR_C(next_(size), malloc(size));
}

WD_EXPORT void *NEW_ARR(size_t size)
{
    NEXT(new_fn, NEW_ARR);
    if (checked()) {
        void *p = core_alloc(size, 16, false, BH_NEW_ARRAY, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size), NULL), BH_NEW_ARRAY);
    }
    return OR_C(next_(size), malloc(size));
}

WD_EXPORT void *NEW_NT(size_t size, const void *nt)
{
    NEXT(new_nt_fn, NEW_NT);
    if (checked()) {
        void *p = core_alloc(size, 16, false, BH_NEW, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, nt), NULL), BH_NEW);
    }
    return OR_C(next_(size, nt), malloc(size));
}

WD_EXPORT void *NEW_ARR_NT(size_t size, const void *nt)
{
    NEXT(new_nt_fn, NEW_ARR_NT);
    if (checked()) {
        void *p = core_alloc(size, 16, false, BH_NEW_ARRAY, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, nt), NULL), BH_NEW_ARRAY);
    }
    return OR_C(next_(size, nt), malloc(size));
}

/* The alignment is a power of two (std::align_val_t's contract). */
static size_t at_least_16(size_t align)
{
    return align < 16 ? 16 : align;
}

WD_EXPORT void *NEW_AL(size_t size, size_t align)
{
    NEXT(new_al_fn, NEW_AL);
    if (checked()) {
        void *p = core_alloc(size, at_least_16(align), false, BH_NEW, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, align), NULL), BH_NEW);
    }
    return OR_C(next_(size, align), aligned_alloc(align, size));
}

WD_EXPORT void *NEW_ARR_AL(size_t size, size_t align)
{
    NEXT(new_al_fn, NEW_ARR_AL);
    if (checked()) {
        void *p = core_alloc(size, at_least_16(align), false, BH_NEW_ARRAY, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, align), NULL), BH_NEW_ARRAY);
    }
    return OR_C(next_(size, align), aligned_alloc(align, size));
}

WD_EXPORT void *NEW_AL_NT(size_t size, size_t align, const void *nt)
{
    NEXT(new_al_nt_fn, NEW_AL_NT);
    if (checked()) {
        void *p = core_alloc(size, at_least_16(align), false, BH_NEW, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, align, nt), NULL), BH_NEW);
    }
    return OR_C(next_(size, align, nt), aligned_alloc(align, size));
}

WD_EXPORT void *NEW_ARR_AL_NT(size_t size, size_t align, const void *nt)
{
    NEXT(new_al_nt_fn, NEW_ARR_AL_NT);
    if (checked()) {
        void *p = core_alloc(size, at_least_16(align), false, BH_NEW_ARRAY, HERE());
        if (WD_LIKELY(p))
            return p;
        return adopt(OR_C(next_(size, align, nt), NULL), BH_NEW_ARRAY);
    }
    return OR_C(next_(size, align, nt), aligned_alloc(align, size));
}

/* ---- delete ---- */

/* Every form of delete frees the same way; a sized one has its size
 * checked against the block's (an aligned one's alignment says nothing
 * the block's metadata does not). */
#define DELETE(p, how, size, op)                                          \
    do {                                                                  \
        if (p)                                                            \
            core_free(p, how, size, op, HERE());                          \
    } while (0)

#define SCALAR "operator delete"
#define ARRAY  "operator delete []"

WD_EXPORT void DEL(void *p)
{
    NEXT(del_fn, DEL);
    if (checked())
        DELETE(p, BH_NEW, 0, SCALAR);
    else
        OR_C(next_(p), free(p));
}

WD_EXPORT void DEL_ARR(void *p)
{
    NEXT(del_fn, DEL_ARR);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, 0, ARRAY);
    else
        OR_C(next_(p), free(p));
}

WD_EXPORT void DEL_SZ(void *p, size_t size)
{
    NEXT(del_sz_fn, DEL_SZ);
    if (checked())
        DELETE(p, BH_NEW, size, SCALAR);
    else
        OR_C(next_(p, size), free(p));
}

WD_EXPORT void DEL_ARR_SZ(void *p, size_t size)
{
    NEXT(del_sz_fn, DEL_ARR_SZ);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, size, ARRAY);
    else
        OR_C(next_(p, size), free(p));
}

WD_EXPORT void DEL_NT(void *p, const void *nt)
{
    NEXT(del_nt_fn, DEL_NT);
    if (checked())
        DELETE(p, BH_NEW, 0, SCALAR);
    else
        OR_C(next_(p, nt), free(p));
}

WD_EXPORT void DEL_ARR_NT(void *p, const void *nt)
{
    NEXT(del_nt_fn, DEL_ARR_NT);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, 0, ARRAY);
    else
        OR_C(next_(p, nt), free(p));
}

WD_EXPORT void DEL_AL(void *p, size_t align)
{
    NEXT(del_sz_fn, DEL_AL);
    if (checked())
        DELETE(p, BH_NEW, 0, SCALAR);
    else
        OR_C(next_(p, align), free(p));
}

WD_EXPORT void DEL_ARR_AL(void *p, size_t align)
{
    NEXT(del_sz_fn, DEL_ARR_AL);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, 0, ARRAY);
    else
        OR_C(next_(p, align), free(p));
}

WD_EXPORT void DEL_SZ_AL(void *p, size_t size, size_t align)
{
    NEXT(del_sz_al_fn, DEL_SZ_AL);
    if (checked())
        DELETE(p, BH_NEW, size, SCALAR);
    else
        OR_C(next_(p, size, align), free(p));
}

WD_EXPORT void DEL_ARR_SZ_AL(void *p, size_t size, size_t align)
{
    NEXT(del_sz_al_fn, DEL_ARR_SZ_AL);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, size, ARRAY);
    else
        OR_C(next_(p, size, align), free(p));
}

WD_EXPORT void DEL_AL_NT(void *p, size_t align, const void *nt)
{
    NEXT(del_al_nt_fn, DEL_AL_NT);
    if (checked())
        DELETE(p, BH_NEW, 0, SCALAR);
    else
        OR_C(next_(p, align, nt), free(p));
}

WD_EXPORT void DEL_ARR_AL_NT(void *p, size_t align, const void *nt)
{
    NEXT(del_al_nt_fn, DEL_ARR_AL_NT);
    if (checked())
        DELETE(p, BH_NEW_ARRAY, 0, ARRAY);
    else
        OR_C(next_(p, align, nt), free(p));
}
