/* BUG: a 100-byte block is allocated in a helper and its only pointer is dropped. EXPECT: leak (100 bytes definitely lost) */
#include <stdlib.h>
#include <string.h>

static void make_name(void)
{
    char *name = malloc(100);
    strcpy(name, "temporary");
}

int main(void)
{
    make_name();
    return 0;
}
