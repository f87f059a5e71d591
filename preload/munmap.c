/* munmap, interposed: a coroutine whose stack the program unmaps has no
 * stack any more. boost.context's protected_fixedsize_stack unmaps a
 * fiber's stack once the fiber has finished: that is how ward sees it
 * end. Nothing else changes; the call is the kernel's, as glibc's is. */
#define _GNU_SOURCE
#include "core.h"
#include "coro.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

WD_EXPORT int munmap(void *addr, size_t len)
{
    long rc = syscall(SYS_munmap, addr, len);
    if (rc == 0 && wd_state == WD_ACTIVE && !wd_tls.in_ward && len)
        coro_unmapped((uintptr_t)addr, (uintptr_t)addr + len);
    return (int)rc;
}
