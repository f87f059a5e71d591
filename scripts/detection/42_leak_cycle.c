/* BUG: two blocks point at each other and nothing else points at them. EXPECT: leak (a 2-block cycle, 32 bytes: one direct and one indirect, or both) */
#include <stdlib.h>
#include <string.h>

struct node { struct node *peer; long v; };

static void make_pair(void)
{
    struct node *a = malloc(sizeof *a);
    struct node *b = malloc(sizeof *b);
    a->peer = b;
    b->peer = a;
}

/* Run the leaking code well below main's frame, so that no stale copy of its
   pointers lies where the exit-time leak checks scan the stack. */
static void deep(void)
{
    volatile char pad[16384];
    pad[0] = 0;
    make_pair();
    memset((char *)pad, 0, sizeof pad);
}

int main(void)
{
    deep();
    return 0;
}
