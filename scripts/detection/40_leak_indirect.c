/* BUG: a list head is lost; its two nodes are then reachable only through it. EXPECT: leak (16 bytes direct + 32 bytes indirect) */
#include <stdlib.h>
#include <string.h>

struct node { struct node *next; long v; };

static void build(void)
{
    struct node *head = malloc(sizeof *head);
    head->next = malloc(sizeof *head);
    head->next->next = malloc(sizeof *head);
    head->next->next->next = NULL;
}

/* Run the leaking code well below main's frame, so that no stale copy of its
   pointers lies where the exit-time leak checks scan the stack. */
static void deep(void)
{
    volatile char pad[16384];
    pad[0] = 0;
    build();
    memset((char *)pad, 0, sizeof pad);
}

int main(void)
{
    deep();
    return 0;
}
