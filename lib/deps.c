/* Loading third-party libraries into a local scope (see deps.h). */
#define _GNU_SOURCE
#include "deps.h"
#include "fmt.h"

#include <dlfcn.h>

struct wd_unwind_api wd_unw;

bool deps_load(const char *soname, const char *const *names, void **fns,
               unsigned n, char *err, size_t errlen)
{
    fmt_t f;
    fmt_init(&f, err, errlen, -1);
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        fmt_str(&f, "ward: cannot load ");
        fmt_str(&f, soname);
        fmt_str(&f, " (");
        fmt_str(&f, dlerror());
        fmt_str(&f, ")");
        fmt_cstr(&f);
        return false;
    }
    for (unsigned i = 0; i < n; i++) {
        fns[i] = dlsym(h, names[i]);
        if (!fns[i]) {
            fmt_str(&f, "ward: ");
            fmt_str(&f, soname);
            fmt_str(&f, " has no ");
            fmt_str(&f, names[i]);
            fmt_cstr(&f);
            dlclose(h);
            return false;
        }
    }
    return true;
}

bool deps_load_unwind(char *err, size_t errlen)
{
    static const char *const names[] = {
        "unw_backtrace", "_ULx86_64_init_local2", "_ULx86_64_step",
        "_ULx86_64_get_reg", "_ULx86_64_set_caching_policy",
        "_ULx86_64_local_addr_space",
    };
    void *fns[WD_ARRAY_LEN(names)];
    if (!deps_load("libunwind.so.8", names, fns, WD_ARRAY_LEN(names), err, errlen))
        return false;
    /* Per-thread caches make repeated unwinding through the same code
     * cheap without a lock. */
    int (*set_policy)(unw_addr_space_t, unw_caching_policy_t) = fns[4];
    set_policy(*(unw_addr_space_t *)fns[5], UNW_CACHE_PER_THREAD);
    wd_unw.init_local2 = fns[1];
    wd_unw.step = fns[2];
    wd_unw.get_reg = fns[3];
    __atomic_store_n(&wd_unw.backtrace, fns[0], __ATOMIC_RELEASE);
    return true;
}
