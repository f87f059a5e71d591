/* BUG: memalign(24, 40): 24 is not a power of two (glibc rounds it up to 32). EXPECT: invalid-alignment (memcheck >= 3.21 / ASan may report a bad alignment; ward documents rounding up, so nothing) */
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = memalign(24, 40);
    if (p) {
        memset(p, 0, 40);
        free(p);
    }
    return 0;
}
