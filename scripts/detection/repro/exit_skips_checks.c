/* BUG: 1-byte overflow of a block still live, then the process ends with _exit. EXPECT: heap-buffer-overflow (memcheck and ASan see it at the write). ward (default and guard=all): nothing, exit status 0 -- the exit-time redzone and quarantine checks run only on exit()/return from main (a write after free of a small block, found at exit otherwise, is missed the same way). */
#include <stdlib.h>
#include <unistd.h>

char *keep;

int main(void)
{
    keep = malloc(10);
    volatile int i = 10;
    keep[i] = 'x';
    _exit(0);
}
