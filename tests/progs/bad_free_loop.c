/* The same invalid free, from the same place, several times: reported (or
 * suppressed) once, and counted as the first was. */
#include <stdlib.h>

static char not_heap[64];

static void release(void *p)
{
    free(p);
}

int main(void)
{
    for (int i = 0; i < 5; i++)
        release(not_heap + 8);
    return 0;
}
