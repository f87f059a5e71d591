/* Pinning: a pinned block resizes in place or not at all; argv[1] picks a
 * misuse. Prints what the calls return. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward.h"

struct task {                   /* a self-referential state machine */
    char buf[48];
    char *cursor;               /* points into buf */
};

__attribute__((noinline)) static void pin_it(void *p)
{
    printf("pin %d\n", ward_pin(p));
}

__attribute__((noinline)) static void run_off_end(char *p, size_t n)
{
    for (size_t i = 0; i < n + 4096; i++)
        p[i] = 1;
}

__attribute__((noinline)) static void run_off_start(char *p)
{
    for (size_t i = 1; i < 8192; i++)
        p[-(long)i] = 1;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    struct task *t = malloc(sizeof *t);
    strcpy(t->buf, "hello");
    t->cursor = t->buf + 2;
    pin_it(t);
    struct task *same = realloc(t, sizeof *t);          /* fits: stays put */
    printf("in place %d\n", same == t);
    if (!strcmp(mode, "move")) {
        errno = 0;
        void *moved = realloc(t, 100000);               /* cannot stay put */
        printf("moved %p errno %d still %s\n", moved, errno, t->cursor);
        if (moved)                                      /* without ward */
            t = moved;
    }
    printf("unpin %d\n", ward_unpin(t));
    int local;
    printf("pin-bad %d\n", ward_pin(&local));
    free(t);

    char *p = ward_malloc_pinned(128);
    memset(p, 'p', 128);
    if (!strcmp(mode, "overflow"))
        run_off_end(p, 128);
    if (!strcmp(mode, "underflow"))
        run_off_start(p);
    printf("pinned block %s\n", ward_owner_of(p) ? "known" : "unknown");
    free(p);
    printf("done\n");
    return 0;
}
