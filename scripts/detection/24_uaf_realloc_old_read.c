/* BUG: reads through the old pointer after realloc moved the block. EXPECT: use-after-free (1-byte read from the block realloc freed) */
#include <stdlib.h>
#include <string.h>

int main(void)
{
    char *p = malloc(16);
    strcpy(p, "abc");
    char *q = realloc(p, 4096);
    volatile char c = p[1];
    (void)c;
    free(q);
    return 0;
}
