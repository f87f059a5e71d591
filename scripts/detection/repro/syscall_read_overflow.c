/* BUG: read() of 64 bytes into a 16-byte heap block (and of 64K+64 into a 64K block). EXPECT: heap-buffer-overflow (memcheck: "Syscall param read(buf) points to unaddressable byte(s)"; ASan: heap-buffer-overflow in read). ward default: the 16-byte case at free, the 64K (guarded) case not at all; ward guard=all: neither -- the kernel stops at the guard page and read() returns a short count, silently. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    size_t size = argc > 1 ? 65536 : 16;
    int fd = open("/dev/zero", O_RDONLY);
    char *p = malloc(size);
    ssize_t n = read(fd, p, size + 64);
    fprintf(stderr, "read(%zu) into a %zu-byte block returned %zd\n", size + 64, size, n);
    free(p);
    return 0;
}
