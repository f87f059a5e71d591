/* Stress: dlopen and dlclose of a library that allocates.
 *
 * Usage: dlopen LIB.so [ROUNDS] (default 2000), LIB.so being
 * tests/stress/dlopen_lib.c built with cc -shared -fPIC. The main thread
 * and two others each, ROUNDS times: dlopen the library (RTLD_NOW, local
 * or global in turn), look up and call its functions (lib_work returns a
 * malloc'd string that the caller checks and frees; lib_keep allocates a
 * block the library keeps), look up a symbol that does not exist (dlerror
 * allocates its message), and dlclose it. The library's constructor and
 * destructor allocate and free; its thread-local counter makes glibc
 * allocate TLS for each thread. Because the threads' references overlap,
 * the library is loaded and unloaded many times, at addresses that may
 * change. Prints the counts and "ok" if every check held. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *lib;
static int rounds;
static volatile int failed;

static const char expect_tail[] = " node19 node18 node17 node16 node15 node14 node13 node12 node11 "
                                  "node10 node9 node8 node7 node6 node5 node4 node3 node2 node1 "
                                  "node0 (len 999)";

static void *run(void *arg)
{
    long me = (long)arg;
    unsigned long calls = 0;
    for (int r = 0; r < rounds && !failed; r++) {
        void *h = dlopen(lib, RTLD_NOW | (r % 2 ? RTLD_GLOBAL : RTLD_LOCAL));
        if (!h) {
            fprintf(stderr, "dlopen: %s\n", dlerror());
            failed = 1;
            break;
        }
        char *(*work)(int) = (char *(*)(int))dlsym(h, "lib_work");
        void (*keep)(size_t) = (void (*)(size_t))dlsym(h, "lib_keep");
        unsigned long (*count)(void) = (unsigned long (*)(void))dlsym(h, "lib_calls");
        if (!work || !keep || !count) {
            fprintf(stderr, "dlsym: %s\n", dlerror());
            failed = 1;
            dlclose(h);
            break;
        }
        for (int i = 0; i < 5; i++) {
            char *s = work(r * 10 + i);
            char head[32];
            snprintf(head, sizeof head, "work %d:", r * 10 + i);
            if (strncmp(s, head, strlen(head)) || strcmp(s + strlen(head), expect_tail)) {
                fprintf(stderr, "thread %ld: lib_work returned '%s'\n", me, s);
                failed = 1;
            }
            free(s);
            keep(100 + (size_t)(r % 50) * 37);
        }
        calls += count() ? 1 : 0;
        if (dlsym(h, "no_such_symbol") != NULL || dlerror() == NULL) {
            fprintf(stderr, "dlsym found a symbol that does not exist\n");
            failed = 1;
        }
        if (dlclose(h) != 0) {
            fprintf(stderr, "dlclose: %s\n", dlerror());
            failed = 1;
        }
    }
    return (void *)calls;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s LIB.so [ROUNDS]\n", argv[0]);
        return 2;
    }
    lib = argv[1];
    rounds = argc > 2 ? atoi(argv[2]) : 2000;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t[2];
    for (long i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, run, (void *)(i + 1));
    unsigned long calls = (unsigned long)run(0);
    for (int i = 0; i < 2; i++) {
        void *r;
        pthread_join(t[i], &r);
        calls += (unsigned long)r;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("dlopen: 3 threads x %d dlopen/dlsym/call/dlclose rounds in %.1f s\n", rounds,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    if (failed || calls != 3UL * rounds)
        return 1;
    printf("ok\n");
    return 0;
}
