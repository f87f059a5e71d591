/* Leaks of every shape, and memory that is only reachable (not leaked).
 * argv[1] "mapped": first a 32 MiB anonymous mapping, which the kernel
 * may put right below ward's heap (one line of /proc/self/maps then);
 * "five": only five blocks of 64 bytes, lost one after the other;
 * "thread-tls": a thread that ended held its block only in a __thread
 * variable, while the main thread's is still there. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

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

static void *keep_in_tls(void *arg)
{
    (void)arg;
    kept_tls = malloc(250);
    memset(kept_tls, 2, 250);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "thread-tls")) {
        pthread_t t;
        kept_tls = malloc(200);
        if (pthread_create(&t, NULL, keep_in_tls, NULL) != 0)
            return 77;
        pthread_join(t, NULL);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "five")) {
        for (int i = 0; i < 5; i++) {
            void *volatile p = malloc(64);
            memset(p, 1, 64);
        }
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "mapped")) {
        char *m = mmap(NULL, 32 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
        if (m == MAP_FAILED)
            return 77;
        m[0] = 1;
    }
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
