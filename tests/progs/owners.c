/* The owner API, used the way a program would: a cache and sessions with
 * owners of their own, a named worker thread, a transfer, and leaks in
 * several owners. Prints what the API says, so the same program can be
 * checked with and without ward. argv[1] == "double-free" adds a double
 * free of a "cache" block. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward.h"

static void *kept[4];

static const char *show(const char *s)
{
    return s ? s : "(null)";
}

static char *cache_entry(const char *text)
{
    ward_owner_push("cache");
    char *p = strdup(text);
    ward_owner_pop();
    return p;
}

static void *worker(void *arg)
{
    (void)arg;
    pthread_setname_np(pthread_self(), "worker");
    kept[3] = malloc(77);                   /* owner "worker", reachable */
    kept[2] = malloc(33);                   /* leaked by "worker", below */
    printf("worker %s\n", show(ward_owner_of(kept[2])));
    return NULL;
}


static char *handed;

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "realloc")) {
        /* Moved by realloc under another owner, a block stays its own
         * owner's, counted out at its old size and in at its new. */
        ward_owner_push("a");
        char *p = malloc(1000);
        ward_owner_pop();
        ward_owner_push("b");
        p = realloc(p, 5000);
        ward_owner_pop();
        printf("owner %s\n", show(ward_owner_of(p)));
        free(p);
        return 0;
    }
    char name[16];
    strcpy(name, "session");
    ward_owner_push(name);                  /* names are copied */
    memset(name, 'x', sizeof name - 1);
    char *s1 = malloc(100);
    char *s2 = malloc(200);
    ward_owner_pop();
    char *c1 = cache_entry("first entry");
    char *c2 = cache_entry("second entry");
    char *plain = malloc(10);

    printf("s1 %s\n", show(ward_owner_of(s1)));
    printf("c1 %s\n", show(ward_owner_of(c1)));
    printf("c1+3 %s\n", show(ward_owner_of(c1 + 3)));
    printf("plain %s\n", show(ward_owner_of(plain)));
    printf("stack %s\n", show(ward_owner_of(name)));
    printf("set %d\n", ward_owner_set(c2, "session"));
    printf("c2 %s\n", show(ward_owner_of(c2)));
    printf("set-bad %d\n", ward_owner_set(name, "session"));
    handed = malloc(7);                     /* an owner that only receives */
    ward_owner_set(handed, "handed");

    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    kept[2] = NULL;

    kept[0] = s1;
    kept[1] = c1;
    free(plain);
    if (argc > 1 && !strcmp(argv[1], "double-free")) {
        free(c1);
        free(c1);
    }
    /* Leaks: s2 (session, 200), c2 (moved to session, 13), the worker's 33. */
    s2 = c2 = NULL;
    return 0;
}
