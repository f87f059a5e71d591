/* BUG: reads a field of a malloc'd struct after freeing it. EXPECT: use-after-free (4-byte read at offset 4 of a freed 16-byte block) */
#include <stdio.h>
#include <stdlib.h>

struct pt { int x, y, z, w; };

int main(void)
{
    struct pt *p = malloc(sizeof *p);
    p->x = 1; p->y = 2; p->z = 3; p->w = 4;
    free(p);
    volatile int y = p->y;
    (void)y;
    return 0;
}
