/* BUG: two owners hold the same buffer; both free it. EXPECT: double-free (second free, through an alias, of a 64-byte block) */
#include <stdlib.h>

struct owner { char *buf; };

static void release(struct owner *o) { free(o->buf); }

int main(void)
{
    struct owner a, b;
    a.buf = malloc(64);
    b = a;              /* shallow copy: b.buf aliases a.buf */
    release(&a);
    release(&b);
    return 0;
}
