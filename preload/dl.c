/* dlclose, interposed: code it unloads leaves return addresses behind, in
 * the unwinder's rules (which must be forgotten, for other code may load
 * there) and in recorded stacks (which should still name the module).
 * The real dlclose runs as the program's own call: the destructors it runs
 * are the program's code. */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "symbols.h"
#include "unwind.h"

#include <errno.h>

typedef int (*dlclose_fn)(void *);

WD_EXPORT int dlclose(void *handle)
{
    static dlclose_fn real;
    struct sym_snapshot snap;
    if (!real)
        real = (dlclose_fn)preload_next("dlclose");
    if (wd_state != WD_ACTIVE || wd_tls.in_ward)
        return real(handle);
    int saved = errno;
    wd_tls.in_ward++;
    bool noted = sym_dlclose_before(&snap);
    wd_tls.in_ward--;
    errno = saved;
    int rc = real(handle);
    if (noted) {
        saved = errno;
        wd_tls.in_ward++;
        if (sym_dlclose_after(&snap))
            uw_forget();
        wd_tls.in_ward--;
        errno = saved;
    }
    return rc;
}
