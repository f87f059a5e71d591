/* The definition an interposer stands in front of. dlsym may allocate, and
 * what it allocates is ward's own. */
#ifndef WARD_PRELOAD_NEXT_H
#define WARD_PRELOAD_NEXT_H

#include "threads.h"

#include <dlfcn.h>

static inline void *preload_next(const char *name)
{
    wd_tls.in_ward++;
    void *f = dlsym(RTLD_NEXT, name);
    wd_tls.in_ward--;
    return f;
}

#endif
