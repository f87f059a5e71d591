/* BUG: realloc(p, 0) frees p (glibc returns NULL), then p is freed again. EXPECT: double-free (free of a block realloc(p, 0) already freed) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(24);
    char *q = realloc(p, 0);
    if (q == NULL)
        free(p);
    else
        free(q);
    return 0;
}
