/* pipe2, interposed for ward's own libraries. libunwind keeps a pipe to
 * test whether memory is readable. Made at the lowest free descriptors, it
 * takes numbers the program expects to get; and once the program has
 * closed every descriptor (closefrom) and opened files of its own there,
 * libunwind would close them, or write its test bytes into them, when it
 * finds its pipe gone. A pipe made from inside ward gets high numbers; the
 * program's own pipes are made as asked. */
#define _GNU_SOURCE
#include "core.h"
#include "prim.h"
#include "threads.h"

#include <sys/syscall.h>
#include <unistd.h>

WD_EXPORT int pipe2(int fds[2], int flags)
{
    if (syscall(SYS_pipe2, fds, flags) != 0)
        return -1;
    if (wd_tls.in_ward && wd_state == WD_ACTIVE) {
        fds[0] = prim_fd_high(fds[0], PRIM_FD_PIPES);
        fds[1] = prim_fd_high(fds[1], PRIM_FD_PIPES);
    }
    return 0;
}
