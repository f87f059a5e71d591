/* Third-party libraries, loaded with dlopen(RTLD_LOCAL) rather than linked.
 * Linked, their exported symbols would join the program's global scope:
 * libunwind.so.8 alone exports _Unwind_RaiseException and backtrace(),
 * which would replace libgcc's and glibc's for C++ exceptions. Loaded
 * locally, ward calls them through these tables and the program never
 * sees them. */
#ifndef WARD_DEPS_H
#define WARD_DEPS_H

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "common.h"

struct wd_unwind_api {
    int (*backtrace)(void **buf, int size);
    int (*init_local2)(unw_cursor_t *c, unw_context_t *uc, int flags);
    int (*step)(unw_cursor_t *c);
    int (*get_reg)(unw_cursor_t *c, unw_regnum_t r, unw_word_t *v);
};

/* All NULL until deps_load_unwind succeeds. */
extern struct wd_unwind_api wd_unw;

/* Each returns false and writes a one-line reason into err. */
bool deps_load_unwind(char *err, size_t errlen);

/* dlopen(soname, RTLD_NOW | RTLD_LOCAL) and look up each of n names into
 * fns[]; all or nothing. */
bool deps_load(const char *soname, const char *const *names, void **fns,
               unsigned n, char *err, size_t errlen);

#endif
