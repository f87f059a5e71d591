/* BUG: loop writes one int past calloc(10, sizeof(int)) (i <= 10). EXPECT: heap-buffer-overflow (4-byte write just after a 40-byte block) */
#include <stdlib.h>

int main(void)
{
    int *a = calloc(10, sizeof(int));
    for (int i = 0; i <= 10; i++)
        a[i] = i;
    free(a);
    return 0;
}
