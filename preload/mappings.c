/* munmap, mremap, mprotect and mmap over existing memory, interposed: the
 * call is the kernel's, as glibc's is, and ward only learns that the
 * program's mappings changed.
 * - A coroutine whose stack the program unmaps has no stack any more.
 *   boost.context's protected_fixedsize_stack unmaps a fiber's stack once
 *   the fiber has finished: that is how ward sees it end.
 * - The unwinder keeps the bounds of the mappings that hold stacks ward
 *   was not told of (see unwind.h); any of these calls may move them. */
#define _GNU_SOURCE
#include "core.h"
#include "coro.h"
#include "unwind.h"

#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

WD_EXPORT int munmap(void *addr, size_t len)
{
    long rc = syscall(SYS_munmap, addr, len);
    if (rc == 0) {
        uw_maps_changed();
        if (wd_state == WD_ACTIVE && !wd_tls.in_ward && len)
            coro_unmapped((uintptr_t)addr, (uintptr_t)addr + len);
    }
    return (int)rc;
}

WD_EXPORT int mprotect(void *addr, size_t len, int prot)
{
    long rc = syscall(SYS_mprotect, addr, len, prot);
    if (rc == 0)
        uw_maps_changed();
    return (int)rc;
}

WD_EXPORT void *mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    void *to = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        to = va_arg(ap, void *);
        va_end(ap);
    }
    long rc = syscall(SYS_mremap, old, old_len, new_len, flags, to);
    if (rc != -1)
        uw_maps_changed();
    return (void *)rc;
}

/* Only a mapping placed over others changes what was there. */
WD_EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    long rc = syscall(SYS_mmap, addr, len, prot, flags, fd, off);
    if (rc != -1 && (flags & MAP_FIXED))
        uw_maps_changed();
    return (void *)rc;
}

WD_EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
    __attribute__((alias("mmap")));
