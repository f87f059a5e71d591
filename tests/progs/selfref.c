/* A growable buffer whose header points into its own data: growing it
 * with realloc leaves the pointer aimed at the old copy. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
    size_t len;
    char *cursor;           /* into data */
    char data[32];
};

__attribute__((noinline)) static struct buf *grow(struct buf *b, size_t extra)
{
    return realloc(b, sizeof *b + extra);
}

int main(int argc, char **argv)
{
    struct buf *b = malloc(sizeof *b);
    strcpy(b->data, "abcdef");
    b->len = 6;
    b->cursor = b->data + 3;
    b = grow(b, 100);
    /* A buffer without self-references moves silently. */
    char *plain = malloc(64);
    memset(plain, 0, 64);
    plain = realloc(plain, 4000);
    free(plain);
    printf("cursor now %s\n", argc > 1 ? "?" : "dangles");
    free(b);
    return 0;
}
