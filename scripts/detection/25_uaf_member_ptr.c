/* BUG: keeps &obj->count, frees the containing struct, then increments through the pointer. EXPECT: use-after-free (4-byte read and write at offset 40 of a freed 48-byte struct) */
#include <stdlib.h>
#include <string.h>

struct conn {
    char name[40];
    int count;
    int flags;
};

static void close_conn(struct conn *c) { free(c); }

int main(void)
{
    struct conn *c = malloc(sizeof *c);
    memset(c, 0, sizeof *c);
    int *counter = &c->count;
    close_conn(c);
    (*counter)++;
    return 0;
}
