/* BUG: write() to a pipe from a block already freed. EXPECT: use-after-free (memcheck: "Syscall param write(buf) points to unaddressable byte(s) ... free'd"; ASan: heap-use-after-free in write). ward: nothing (default, block of 100000 bytes, guarded; or guard=all with any size): the kernel gets EFAULT from the freed block's guard pages and write() returns -1, silently. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t size = argc > 1 ? (size_t)atoi(argv[1]) : 100000;
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    char *p = malloc(size);
    memset(p, 'x', size);
    free(p);
    ssize_t n = write(fds[1], p, size < 4096 ? size : 4096);
    fprintf(stderr, "write returned %zd (errno %d)\n", n, n < 0 ? errno : 0);
    return 0;
}
