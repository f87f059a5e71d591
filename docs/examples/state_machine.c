/* A hand-written "async" state machine, the way Rust compiles an async fn:
 * its locals live in one heap block, and one of them points at another
 * (a reference held across an await). Moving the block breaks it, which
 * is why Rust pins such futures. Build and run:
 *
 *     cc -g -o state_machine docs/examples/state_machine.c -Ilib
 *     ward run -- ./state_machine            # moved-self-reference warning
 *     ward run -- ./state_machine pin        # pinned-move error, no corruption
 *     ward run --stats=1 -- ./state_machine pin
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward.h"

struct read_line_future {
    int state;              /* 0: start, 1: waiting for input, 2: done */
    char buffer[64];        /* a local that lives across the await */
    char *cursor;           /* a reference to it, held across the await */
    size_t len;
};

static struct read_line_future *start(void)
{
    ward_owner_push("futures");         /* these blocks belong to the runtime */
    struct read_line_future *f = calloc(1, sizeof *f);
    ward_owner_pop();
    f->cursor = f->buffer;              /* self-reference established */
    return f;
}

/* One poll: copies what arrived at the cursor. */
static void poll(struct read_line_future *f, const char *input)
{
    size_t n = strlen(input);
    memcpy(f->cursor, input, n);
    f->cursor += n;
    f->len += n;
    f->state = 1;
}

int main(int argc, char **argv)
{
    int pin = argc > 1 && !strcmp(argv[1], "pin");
    struct read_line_future *f = start();
    if (pin)
        ward_pin(f);                    /* from now on it must not move */
    poll(f, "hello, ");
    /* The runtime "grows" its task record, which moves it: f->cursor
     * still points into the old copy. */
    struct read_line_future *g = realloc(f, sizeof *f + 256);
    if (!g) {
        printf("the runtime could not move the pinned future; it stays at %p\n", (void *)f);
        g = f;
    } else if (g->cursor < g->buffer || g->cursor >= g->buffer + sizeof g->buffer) {
        printf("the future moved and its cursor now points outside it\n");
        g->cursor = g->buffer + g->len;  /* what a correct runtime must do */
    }
    poll(g, "world");
    printf("%.*s (owner %s)\n", (int)g->len, g->buffer,
           ward_owner_of(g) ? ward_owner_of(g) : "unknown");
    free(g);
    return 0;
}
