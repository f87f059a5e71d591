/* mlockall, interposed. MCL_CURRENT would make the kernel fault in and
 * lock every page of every mapping at once, and ward's are large
 * reservations that cost nothing until touched (its internal memory, its
 * stack table): the process would be killed for want of memory.
 * MCL_ONFAULT makes the kernel lock pages as they are touched instead, so
 * what the program has touched is locked at once and what it touches
 * later is locked then, ward's untouched reservations never. A program
 * that relies on every page being resident before it runs (to take no
 * page fault later) takes the faults it would take for memory it has
 * never touched, and with MCL_FUTURE its new mappings are locked as they
 * are touched rather than faulted in whole. */
#define _GNU_SOURCE
#include "common.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MCL_ONFAULT
#define MCL_ONFAULT 4
#endif

WD_EXPORT int mlockall(int flags)
{
    /* Whatever ward's state: inert, or not started yet, its reservations
     * are mapped all the same. */
    if (flags & (MCL_CURRENT | MCL_FUTURE))
        flags |= MCL_ONFAULT;
    return (int)syscall(SYS_mlockall, flags);
}
