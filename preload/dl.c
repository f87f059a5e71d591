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

typedef int (*dlclose_fn)(void *);

WD_EXPORT int dlclose(void *handle)
{
    static dlclose_fn real;
    struct sym_gone g;
    if (!real)
        real = (dlclose_fn)preload_next("dlclose");
    if (wd_state != WD_ACTIVE || wd_tls.in_ward)
        return real(handle);
    wd_tls.in_ward++;
    bool noted = sym_note_dlclose(handle, &g);
    wd_tls.in_ward--;
    int rc = real(handle);
    if (noted) {
        wd_tls.in_ward++;
        if (sym_dlclose_done(&g))
            uw_forget();
        wd_tls.in_ward--;
    }
    return rc;
}
