/* BUG: reads from a 100000-byte block after freeing it. EXPECT: use-after-free (1-byte read at offset 5000 of a freed 100000-byte block) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(100000);
    memset(p, 1, 100000);
    free(p);
    volatile char c = p[5000];
    (void)c;
    return 0;
}
