/* BUG: frees the address of a global array. EXPECT: invalid-free (free of a global/static address) */
#include <stdlib.h>

char table[64];

int main(void)
{
    char *volatile p = table;
    free(p);
    return 0;
}
