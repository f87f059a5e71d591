/* C++'s operator new and delete, interposed. Their blocks are ward's like
 * any other, and each remembers which family made it, so that delete of
 * a malloc'd block, free of a new'd one, and delete of new []'s (or
 * delete [] of new's) are reported as alloc-dealloc-mismatch, as memcheck
 * and ASan do; a sized delete told another size than the block's is a
 * new-delete-type-mismatch.
 *
 * When the program defines any of these operators itself (see lib/cxx.h),
 * ward's stand aside for all of them: each calls the definition it hides,
 * and nothing is checked. So they do while ward is inert. When ward's heap
 * cannot serve a call, the C++ runtime's operator takes it: it runs the
 * new_handler loop and throws std::bad_alloc, which ward's C code cannot. */
#define _GNU_SOURCE
#include "core.h"
#include "cxx.h"
#include "here.h"

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

/* Whether this call is ward's to serve and check. */
static inline bool checked(void)
{
    if (WD_UNLIKELY(wd_state != WD_ACTIVE)) {
        core_init();
        if (wd_state != WD_ACTIVE)
            return false;
    }
    return !cxx_replaced();
}

/* The definition operator op hides, for a call ward hands on. One that
 * failed for want of memory looks again: the C++ runtime may have been
 * loaded since (a C program's C++ plugin). */
static void *next_of(enum cxx_op op, bool failed)
{
    if (failed)
        cxx_scan();
    return cxx_next(op);
}

/* An allocation that the C++ runtime made for ward after all (its
 * new_handler freed memory): it came through malloc, and is new's. */
static void *adopt(void *p, uint8_t how)
{
    if (p)
        core_set_how(p, how);
    return p;
}

typedef void *(*new_fn)(size_t);
typedef void *(*new_nt_fn)(size_t, const void *);
typedef void *(*new_al_fn)(size_t, size_t);
typedef void *(*new_al_nt_fn)(size_t, size_t, const void *);
typedef void (*del_fn)(void *);
typedef void (*del_sz_fn)(void *, size_t);
typedef void (*del_nt_fn)(void *, const void *);
typedef void (*del_sz_al_fn)(void *, size_t, size_t);
typedef void (*del_al_nt_fn)(void *, size_t, const void *);

/* A call of operator OP with ARGS, to the definition ward hides (failed:
 * ward's heap could not serve it), or, without a C++ runtime to take it,
 * C_CALL. */
#define HAND_ON(type, op, failed, args, c_call)                           \
    do {                                                                  \
        type f_ = (type)next_of(op, failed);                              \
        if (f_)                                                           \
            return f_ args;                                               \
        return c_call;                                                    \
    } while (0)

/* ---- new ---- */

/* The alignment is a power of two (std::align_val_t's contract). */
static size_t at_least_16(size_t align)
{
    return align < 16 ? 16 : align;
}

#define SERVE(size, align, how)                                           \
    do {                                                                  \
        void *p_ = core_alloc(size, align, false, how, HERE());           \
        if (WD_LIKELY(p_))                                                \
            return p_;                                                    \
    } while (0)

#define OOM(type, op, how, args)                                          \
    do {                                                                  \
        type f_ = (type)next_of(op, true);                                \
        return f_ ? adopt(f_ args, how) : NULL;                           \
    } while (0)

WD_EXPORT void *NEW(size_t size)
{
    if (checked()) {
        SERVE(size, 16, BH_NEW);
        OOM(new_fn, CXX_NEW, BH_NEW, (size));
    }
    HAND_ON(new_fn, CXX_NEW, false, (size), malloc(size));
}

WD_EXPORT void *NEW_ARR(size_t size)
{
    if (checked()) {
        SERVE(size, 16, BH_NEW_ARRAY);
        OOM(new_fn, CXX_NEW_ARR, BH_NEW_ARRAY, (size));
    }
    HAND_ON(new_fn, CXX_NEW_ARR, false, (size), malloc(size));
}

WD_EXPORT void *NEW_NT(size_t size, const void *nt)
{
    if (checked()) {
        SERVE(size, 16, BH_NEW);
        OOM(new_nt_fn, CXX_NEW_NT, BH_NEW, (size, nt));
    }
    HAND_ON(new_nt_fn, CXX_NEW_NT, false, (size, nt), malloc(size));
}

WD_EXPORT void *NEW_ARR_NT(size_t size, const void *nt)
{
    if (checked()) {
        SERVE(size, 16, BH_NEW_ARRAY);
        OOM(new_nt_fn, CXX_NEW_ARR_NT, BH_NEW_ARRAY, (size, nt));
    }
    HAND_ON(new_nt_fn, CXX_NEW_ARR_NT, false, (size, nt), malloc(size));
}

WD_EXPORT void *NEW_AL(size_t size, size_t align)
{
    if (checked()) {
        SERVE(size, at_least_16(align), BH_NEW);
        OOM(new_al_fn, CXX_NEW_AL, BH_NEW, (size, align));
    }
    HAND_ON(new_al_fn, CXX_NEW_AL, false, (size, align), aligned_alloc(align, size));
}

WD_EXPORT void *NEW_ARR_AL(size_t size, size_t align)
{
    if (checked()) {
        SERVE(size, at_least_16(align), BH_NEW_ARRAY);
        OOM(new_al_fn, CXX_NEW_ARR_AL, BH_NEW_ARRAY, (size, align));
    }
    HAND_ON(new_al_fn, CXX_NEW_ARR_AL, false, (size, align), aligned_alloc(align, size));
}

WD_EXPORT void *NEW_AL_NT(size_t size, size_t align, const void *nt)
{
    if (checked()) {
        SERVE(size, at_least_16(align), BH_NEW);
        OOM(new_al_nt_fn, CXX_NEW_AL_NT, BH_NEW, (size, align, nt));
    }
    HAND_ON(new_al_nt_fn, CXX_NEW_AL_NT, false, (size, align, nt),
            aligned_alloc(align, size));
}

WD_EXPORT void *NEW_ARR_AL_NT(size_t size, size_t align, const void *nt)
{
    if (checked()) {
        SERVE(size, at_least_16(align), BH_NEW_ARRAY);
        OOM(new_al_nt_fn, CXX_NEW_ARR_AL_NT, BH_NEW_ARRAY, (size, align, nt));
    }
    HAND_ON(new_al_nt_fn, CXX_NEW_ARR_AL_NT, false, (size, align, nt),
            aligned_alloc(align, size));
}

/* ---- delete ---- */

/* Every form of delete frees the same way; a sized one has its size
 * checked against the block's (an aligned one's alignment says nothing
 * the block's metadata does not). */
#define RELEASE(p, how, size, op)                                         \
    do {                                                                  \
        if (p)                                                            \
            core_free(p, how, size, op, HERE());                          \
        return;                                                           \
    } while (0)

#define SCALAR "operator delete"
#define ARRAY  "operator delete []"

/* HAND_ON for functions that return nothing. */
#define HAND_ON_VOID(type, op, args)                                      \
    do {                                                                  \
        type f_ = (type)next_of(op, false);                               \
        if (f_)                                                           \
            f_ args;                                                      \
        else                                                              \
            free(p);                                                      \
    } while (0)

WD_EXPORT void DEL(void *p)
{
    if (checked())
        RELEASE(p, BH_NEW, 0, SCALAR);
    HAND_ON_VOID(del_fn, CXX_DEL, (p));
}

WD_EXPORT void DEL_ARR(void *p)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, 0, ARRAY);
    HAND_ON_VOID(del_fn, CXX_DEL_ARR, (p));
}

WD_EXPORT void DEL_SZ(void *p, size_t size)
{
    if (checked())
        RELEASE(p, BH_NEW, size, SCALAR);
    HAND_ON_VOID(del_sz_fn, CXX_DEL_SZ, (p, size));
}

WD_EXPORT void DEL_ARR_SZ(void *p, size_t size)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, size, ARRAY);
    HAND_ON_VOID(del_sz_fn, CXX_DEL_ARR_SZ, (p, size));
}

WD_EXPORT void DEL_NT(void *p, const void *nt)
{
    if (checked())
        RELEASE(p, BH_NEW, 0, SCALAR);
    HAND_ON_VOID(del_nt_fn, CXX_DEL_NT, (p, nt));
}

WD_EXPORT void DEL_ARR_NT(void *p, const void *nt)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, 0, ARRAY);
    HAND_ON_VOID(del_nt_fn, CXX_DEL_ARR_NT, (p, nt));
}

WD_EXPORT void DEL_AL(void *p, size_t align)
{
    if (checked())
        RELEASE(p, BH_NEW, 0, SCALAR);
    HAND_ON_VOID(del_sz_fn, CXX_DEL_AL, (p, align));
}

WD_EXPORT void DEL_ARR_AL(void *p, size_t align)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, 0, ARRAY);
    HAND_ON_VOID(del_sz_fn, CXX_DEL_ARR_AL, (p, align));
}

WD_EXPORT void DEL_SZ_AL(void *p, size_t size, size_t align)
{
    if (checked())
        RELEASE(p, BH_NEW, size, SCALAR);
    HAND_ON_VOID(del_sz_al_fn, CXX_DEL_SZ_AL, (p, size, align));
}

WD_EXPORT void DEL_ARR_SZ_AL(void *p, size_t size, size_t align)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, size, ARRAY);
    HAND_ON_VOID(del_sz_al_fn, CXX_DEL_ARR_SZ_AL, (p, size, align));
}

WD_EXPORT void DEL_AL_NT(void *p, size_t align, const void *nt)
{
    if (checked())
        RELEASE(p, BH_NEW, 0, SCALAR);
    HAND_ON_VOID(del_al_nt_fn, CXX_DEL_AL_NT, (p, align, nt));
}

WD_EXPORT void DEL_ARR_AL_NT(void *p, size_t align, const void *nt)
{
    if (checked())
        RELEASE(p, BH_NEW_ARRAY, 0, ARRAY);
    HAND_ON_VOID(del_al_nt_fn, CXX_DEL_ARR_AL_NT, (p, align, nt));
}
