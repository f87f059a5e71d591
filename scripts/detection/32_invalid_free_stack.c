/* BUG: frees the address of a stack array. EXPECT: invalid-free (free of a stack address) */
#include <stdlib.h>

int main(void)
{
    char buf[32];
    char *volatile p = buf;
    free(p);
    return 0;
}
