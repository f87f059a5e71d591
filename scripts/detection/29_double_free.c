/* BUG: frees the same malloc(24) block twice. EXPECT: double-free (second free of a 24-byte block) */
#include <stdlib.h>

int main(void)
{
    char *p = malloc(24);
    free(p);
    free(p);
    return 0;
}
