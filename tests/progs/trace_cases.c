/* Programs for the trace tests; argv[1] picks one:
 *   threads  four threads allocate and free (nothing leaks)
 *   fork     the child allocates, frees and exits; the parent waits
 *   forever  allocates and frees until killed
 *   quiet    a thread allocates 100 blocks, main 10, then both wait to be
 *            killed, recording nothing more
 *   crash    the same, then main aborts
 *   system   allocates, runs a shell command with system(), allocates
 *   names    a thread name the kernel cut inside a UTF-8 character, and an
 *            owner name that is not UTF-8
 *   rename   main, named "first", frees a block twice, then is renamed
 *            "second"
 *   api      owners, a pinned block and a transfer
 *   exec     allocates, fails to exec a missing file, allocates again, and
 *            execs /bin/true
 *   nest     pushes and pops an owner 3 million times while a 20 kHz
 *            profiling timer's handler allocates and frees
 *   clock    1000 small blocks, 50 ms asleep, 1 MiB (the peak), 50 ms
 *            asleep, a double free
 *   spawn    8192 allocation stacks (a child inherits more than a chunk
 *            of them), then 20 children that exec /bin/true at once
 *   idle-child  262,144 allocation stacks (more than the writer's queue
 *            holds), then a child that records nothing for 1.2 s and
 *            exits */
#define _GNU_SOURCE
#include <sys/prctl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ward.h"

static void *keep[110];
static volatile long handled;

/* 2^depth distinct stacks: a path of step_a and step_b calls spelled by
 * bits (two functions with one body, so that frames differ). */
__attribute__((noinline)) static void leaf(void) { free(malloc(16)); }
__attribute__((noinline)) static void step_a(unsigned bits, int depth);
__attribute__((noinline)) static void step_b(unsigned bits, int depth);
#define STEP(name)                                                      \
    static void name(unsigned bits, int depth)                          \
    {                                                                   \
        if (!depth)                                                     \
            leaf();                                                     \
        else if (bits & 1)                                              \
            step_a(bits >> 1, depth - 1);                               \
        else                                                            \
            step_b(bits >> 1, depth - 1);                               \
        __asm__ volatile(""); /* no tail call: each frame stays */      \
    }
STEP(step_a)
STEP(step_b)

static void allocate_in_handler(int sig)
{
    (void)sig;
    void *volatile p = malloc(24);
    free(p);
    handled++;
}

static void *allocate_and_wait(void *arg)
{
    for (int i = 0; i < 100; i++)
        keep[i] = malloc(100);
    pthread_barrier_wait(arg);
    for (;;)
        pause();
}

static void *work(void *arg)
{
    char name[16];
    snprintf(name, sizeof name, "worker%ld", (long)arg);
    pthread_setname_np(pthread_self(), name);
    for (int i = 0; i < 1000; i++)
        free(malloc(100 + (size_t)i));
    return NULL;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "threads")) {
        pthread_t t[4];
        for (long i = 0; i < 4; i++)
            pthread_create(&t[i], NULL, work, (void *)i);
        for (int i = 0; i < 4; i++)
            pthread_join(t[i], NULL);
    } else if (!strcmp(what, "fork")) {
        free(malloc(10));
        pid_t pid = fork();
        if (pid == 0) {
            for (int i = 0; i < 100; i++)
                free(malloc(1000));
            exit(0);
        }
        waitpid(pid, NULL, 0);
        printf("child %d\n", (int)pid);
    } else if (!strcmp(what, "forever")) {
        printf("running\n");
        fflush(stdout);
        for (;;) {
            void *p = malloc(64);
            usleep(100);
            free(p);
        }
    } else if (!strcmp(what, "quiet") || !strcmp(what, "crash")) {
        pthread_t t;
        pthread_barrier_t ready;
        pthread_barrier_init(&ready, NULL, 2);
        pthread_create(&t, NULL, allocate_and_wait, &ready);
        pthread_barrier_wait(&ready);
        for (int i = 100; i < 110; i++)
            keep[i] = malloc(50);
        if (!strcmp(what, "crash"))
            abort();
        printf("running\n");
        fflush(stdout);
        for (;;)
            pause();
    } else if (!strcmp(what, "names")) {
        prctl(PR_SET_NAME, "wx\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9");
        ward_owner_push("bad\xff\x01name");
        free(malloc(10));
        ward_owner_pop();
        free(malloc(10));
    } else if (!strcmp(what, "rename")) {
        pthread_setname_np(pthread_self(), "first");
        char *p = malloc(8);
        free(p);
        free(p);
        pthread_setname_np(pthread_self(), "second");
    } else if (!strcmp(what, "system")) {
        for (int i = 0; i < 5; i++)
            free(malloc(64));
        if (system("ls / > /dev/null") != 0)
            return 1;
        for (int i = 0; i < 5; i++)
            free(malloc(64));
    } else if (!strcmp(what, "exec")) {
        for (int i = 0; i < 100; i++)
            free(malloc(64));
        execl("/nonexistent/prog", "prog", (char *)NULL);
        for (int i = 0; i < 50; i++)
            free(malloc(64));
        execl("/bin/true", "true", (char *)NULL);
        return 1;
    } else if (!strcmp(what, "spawn")) {
        for (unsigned i = 0; i < 8192; i++)
            step_a(i, 13);
        for (int k = 0; k < 20; k++) {
            pid_t pid = fork();
            if (pid == 0) {
                execl("/bin/true", "true", (char *)NULL);
                _exit(127);
            }
            waitpid(pid, NULL, 0);
        }
    } else if (!strcmp(what, "idle-child")) {
        for (unsigned i = 0; i < 1u << 18; i++)
            step_a(i, 18);
        pid_t pid = fork();
        if (pid == 0) {
            usleep(1200000);
            exit(0);
        }
        int status;
        waitpid(pid, &status, 0);
        printf("child exited %d\n", WEXITSTATUS(status));
    } else if (!strcmp(what, "nest")) {
        struct sigaction sa = { .sa_handler = allocate_in_handler };
        struct itimerval on = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
        sigaction(SIGPROF, &sa, NULL);
        setitimer(ITIMER_PROF, &on, NULL);
        for (long i = 0; i < 3000000; i++) {
            ward_owner_push("x");
            ward_owner_pop();
        }
        setitimer(ITIMER_PROF, &off, NULL);
        printf("handled %s\n", handled ? "some" : "none");
    } else if (!strcmp(what, "clock")) {
        for (int i = 0; i < 1000; i++)
            free(malloc(32));
        usleep(50000);
        char *big = malloc(1 << 20);
        free(big);
        usleep(50000);
        char *p = malloc(8);
        free(p);
        free(p);
    } else if (!strcmp(what, "api")) {
        ward_owner_push("cache");
        char *c = malloc(300);
        ward_owner_pop();
        char *p = ward_malloc_pinned(128);
        p = realloc(p, 120);        /* pinned: shrinks in place */
        ward_owner_set(c, "session");
        free(c);
        (void)p;                    /* the pinned block leaks */
    }
    return 0;
}
