/* BUG: off-by-one write of the byte 0xfa past malloc(10). EXPECT: heap-buffer-overflow (memcheck: Invalid write; ASan: heap-buffer-overflow). ward default and guard=all: nothing -- 0xfa is ward's redzone pattern byte (PAT_REDZONE), so the damaged redzone looks intact (likewise 0xfd written after free in a small block, the freed pattern). */
#include <stdlib.h>

int main(void)
{
    unsigned char *p = malloc(10);
    volatile int i = 10;
    p[i] = 0xfa;
    free(p);
    return 0;
}
