/* Leaks of every shape, and memory that is only reachable (not leaked). */
#include <stdlib.h>
#include <string.h>

struct node {
    struct node *next;
    char payload[40];
};

static void *kept_global;
static __thread void *kept_tls;

static struct node *make_list(int n)
{
    struct node *head = NULL;
    for (int i = 0; i < n; i++) {
        struct node *x = calloc(1, sizeof *x);
        x->next = head;
        head = x;
    }
    return head;
}

static char *lose_string(void)
{
    return strdup("seventeen bytes!");
}

int main(void)
{
    kept_global = malloc(100);              /* reachable from data */
    kept_tls = malloc(200);                 /* reachable from TLS */
    struct node *list = make_list(3);       /* 1 direct + 2 indirect */
    list = NULL;
    for (int i = 0; i < 4; i++)
        lose_string();                      /* 4 direct, one site */
    void *volatile on_stack = malloc(300);  /* reachable from main's frame, */
    (void)on_stack;
    exit(list != NULL);                     /* which exit() keeps alive */
}
