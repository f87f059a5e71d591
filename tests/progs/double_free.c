/* A block freed twice, from two different functions; with argv[1]
 * "small-stack", in a thread whose stack is the smallest pthreads allows;
 * with "quick-exit", then leaving by quick_exit(0); with "same-site", twice
 * by the same call of drop_name in a loop. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *make_name(void)
{
    char *p = malloc(24);
    strcpy(p, "a name");
    return p;
}

static void drop_name(char *p)
{
    free(p);
}

static void *twice(void *arg)
{
    char *p = make_name();
    drop_name(p);
    free(p);
    return arg;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "small-stack")) {
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, PTHREAD_STACK_MIN);
        if (pthread_create(&t, &attr, twice, NULL) != 0)
            return 1;
        pthread_join(t, NULL);
    } else if (argc > 1 && !strcmp(argv[1], "same-site")) {
        char *p = make_name();
        for (int i = 0; i < 2; i++)
            drop_name(p);
    } else {
        twice(NULL);
    }
    printf("after the double free\n");
    if (argc > 1 && !strcmp(argv[1], "quick-exit")) {
        fflush(stdout);
        quick_exit(0);
    }
    return 0;
}
