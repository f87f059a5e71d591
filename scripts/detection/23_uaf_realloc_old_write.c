/* BUG: keeps the old pointer after realloc moved the block and writes through it. EXPECT: use-after-free (1-byte write to the block realloc freed) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(16);
    strcpy(p, "abc");
    char *q = realloc(p, 4096);
    p[0] = 'X';
    free(q);
    return 0;
}
