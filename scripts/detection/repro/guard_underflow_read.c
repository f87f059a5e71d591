/* BUG: reads the byte just before a malloc(16) block. EXPECT: heap-buffer-underflow (read). ward --guard=all: nothing (the block sits at the end of its page, so p[-1] is in the same page; only --guard_below=1 faults) (a documented limit). */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(16);
    memset(p, 0, 16);
    volatile int i = -1;
    volatile char c = p[i];
    (void)c;
    free(p);
    return 0;
}
