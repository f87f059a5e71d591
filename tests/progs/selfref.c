/* A growable buffer whose header points into its own data: growing it
 * with realloc leaves the pointer aimed at the old copy. argv[1] "end":
 * a header whose only self-pointer is one past the end; "shrink": a
 * self-pointer in a part the realloc drops (nothing dangles); "stale":
 * buffers whose only word written is the first are grown, in slots where
 * freed blocks kept a self-pointer at offset 256 (nothing dangles). */
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

struct span {
    char *cur, *end;        /* end is one past data */
    char data[48];
};

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "end")) {
        struct span *s = malloc(sizeof *s);
        s->cur = s->end = s->data + sizeof s->data;
        s = realloc(s, 4 * sizeof *s);
        free(s);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "stale")) {
        enum { N = 4096 };
        static char *olds[N];
        int moved = 0;
        for (int i = 0; i < N; i++) {
            olds[i] = malloc(264);
            memset(olds[i], 0, 264);
            *(char **)(olds[i] + 256) = olds[i] + 232;
        }
        for (int i = 0; i < N; i++)
            free(olds[i]);
        for (int i = 0; i < 1000; i++) {
            void **vec = malloc(264);
            vec[0] = &moved;
            vec = realloc(vec, 528);
            moved += vec != NULL;
            free(vec);
        }
        printf("grew %d\n", moved);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "shrink")) {
        char **p = malloc(256);
        memset(p, 0, 256);
        p[20] = (char *)p + 8;          /* offset 160: dropped below */
        p = realloc(p, 64);
        free(p);
        return 0;
    }
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
    printf("cursor now dangles\n");
    free(b);
    return 0;
}
