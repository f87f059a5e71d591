/* BUG: reads one int past calloc(8, sizeof(int)) (i <= 8) while summing. EXPECT: heap-buffer-overflow (4-byte read just after a 32-byte block) */
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    int *a = calloc(8, sizeof(int));
    int sum = 0;
    for (int i = 0; i <= 8; i++)
        sum += a[i];
    volatile int sink = sum;
    (void)sink;
    free(a);
    return 0;
}
