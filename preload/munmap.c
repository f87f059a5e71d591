/* munmap, interposed: the call is the kernel's, as glibc's is; ward only
 * learns that memory went away.
 * - A coroutine whose stack the program unmaps has no stack any more.
 *   boost.context's protected_fixedsize_stack unmaps a fiber's stack once
 *   the fiber has finished: that is how ward sees it end.
 * - The unwinder's record of the mappings that hold stacks ward was not
 *   told of is out of date (see unwind.h). */
#define _GNU_SOURCE
#include "core.h"
#include "coro.h"
#include "unwind.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

WD_EXPORT int munmap(void *addr, size_t len)
{
    long rc = syscall(SYS_munmap, addr, len);
    if (rc == 0) {
        uw_unmapped((uintptr_t)addr, (uintptr_t)addr + len);
        if (wd_state == WD_ACTIVE && !wd_tls.in_ward && len)
            coro_unmapped((uintptr_t)addr, (uintptr_t)addr + len);
    }
    return (int)rc;
}
