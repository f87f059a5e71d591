/* Stress: fork while other threads allocate.
 *
 * Four threads allocate, reallocate and free without pause (and hand blocks
 * to each other) while the main thread forks argv[1] times (default 300).
 * The forks land at arbitrary points of the other threads' allocations, so
 * any allocator lock may be held at that moment. Each child, the only thread
 * left in it, must be able to allocate: it mallocs, reallocs and frees a few
 * hundred blocks (small, large and aligned), frees some of the blocks it
 * inherited from its parent's main thread, and every fourth child also
 * starts and joins a thread of its own that allocates. Children leave by
 * exit(0) and _exit(0) in turn (exit runs atexit handlers, hence a leak
 * check under ward; everything the child allocated is freed, and what the
 * parent's threads hold stays reachable from a global). The parent checks
 * that each child exited with status 0 within 20 s, and prints "ok" if all
 * did. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_child.h"

#define WORKERS 4
#define WINDOW  256

/* Reachable from here in the parent and in every child. */
static char **windows[WORKERS];
static char *handoff[WORKERS];
static volatile int stop;
static unsigned long ops[WORKERS];

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void *worker(void *arg)
{
    long me = (long)arg;
    uint64_t s = 0x2545f4914f6cdd1dull * (me + 1);
    char **w = windows[me];
    while (!stop) {
        int i = (int)(rng(&s) % WINDOW);
        size_t n = 1 + rng(&s) % (rng(&s) % 50 ? 600 : 100000);
        switch (rng(&s) % 4) {
        case 0:
            free(w[i]);
            w[i] = malloc(n);
            memset(w[i], (int)me, n);
            break;
        case 1:
            w[i] = realloc(w[i], n);
            memset(w[i], (int)me, n);
            break;
        case 2: {                    /* swap with another worker's slot */
            char *mine = malloc(n);
            memset(mine, (int)me, n);
            free(__atomic_exchange_n(&handoff[rng(&s) % WORKERS], mine, __ATOMIC_ACQ_REL));
            break;
        }
        default:
            free(w[i]);
            w[i] = calloc(1, n);
            break;
        }
        ops[me]++;
    }
    return NULL;
}

static void *child_thread(void *arg)
{
    char *v[64];
    for (int r = 0; r < 20; r++) {
        for (int i = 0; i < 64; i++) {
            v[i] = malloc(16 + i * 31);
            memset(v[i], 0x5a, 16 + i * 31);
        }
        for (int i = 0; i < 64; i++)
            free(v[i]);
    }
    return arg;
}

/* The child: allocate, check, free, leave. Returns the exit status. */
static int child(int k, char **inherited, int n_inherited)
{
    char *v[300];
    for (int i = 0; i < 300; i++) {
        size_t n = i % 50 == 49 ? 200000 : 8 + (size_t)i * 13;
        v[i] = i % 7 == 0 ? aligned_alloc(64, (n + 63) & ~(size_t)63) : malloc(n);
        if (!v[i])
            return 3;
        memset(v[i], i & 0xff, n);
    }
    for (int i = 0; i < 300; i += 3) {
        v[i] = realloc(v[i], 100 + (size_t)i);
        if (!v[i])
            return 3;
        memset(v[i], i & 0xff, 100 + (size_t)i);
    }
    for (int i = 0; i < 300; i++) {
        if ((unsigned char)v[i][0] != (i & 0xff))
            return 4;
        free(v[i]);
    }
    /* What the parent's main thread allocated before forking is ours too. */
    for (int i = 0; i < n_inherited; i++) {
        if (inherited[i][0] != (char)k)
            return 5;
        free(inherited[i]);
    }
    free(inherited);
    if (k % 4 == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, child_thread, NULL) != 0)
            return 6;
        pthread_join(t, NULL);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int forks = argc > 1 ? atoi(argv[1]) : 300;
    pthread_t t[WORKERS];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (long i = 0; i < WORKERS; i++) {
        windows[i] = calloc(WINDOW, sizeof(char *));
        pthread_create(&t[i], NULL, worker, (void *)i);
    }
    int bad = 0, hung = 0;
    for (int k = 0; k < forks && !hung; k++) {
        int n_inherited = 1 + k % 16;
        char **inherited = malloc(n_inherited * sizeof(char *));
        for (int i = 0; i < n_inherited; i++) {
            inherited[i] = malloc(32 + i * 100);
            memset(inherited[i], k, 32 + i * 100);
        }
        usleep(k % 5 * 200);            /* land at varied points */
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            int rc = child(k, inherited, n_inherited);
            if (k % 2)
                _exit(rc);
            exit(rc);
        }
        for (int i = 0; i < n_inherited; i++)
            free(inherited[i]);
        free(inherited);
        int status;
        int r = wait_child_bounded(pid, &status);
        if (r < 0) {
            perror("waitpid");
            return 1;
        }
        if (r > 0) {
            fprintf(stderr, "fork_threads: child %d (fork %d) hangs\n", pid, k);
            hung = 1;
        }
        if (hung || !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
            if (bad++ < 10)
                fprintf(stderr, "fork_threads: child of fork %d: %s %d\n", k,
                        WIFEXITED(status) ? "exit status" : "killed by signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        }
    }
    stop = 1;
    unsigned long total = 0;
    for (int i = 0; i < WORKERS; i++)    /* all of them: any may swap any handoff */
        pthread_join(t[i], NULL);
    for (int i = 0; i < WORKERS; i++) {
        total += ops[i];
        for (int j = 0; j < WINDOW; j++)
            free(windows[i][j]);
        free(windows[i]);
        free(handoff[i]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("fork_threads: %d forks in %.1f s while %d threads did %lu allocations; "
           "%d children failed\n", forks,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, WORKERS, total, bad);
    if (bad)
        return 1;
    printf("ok\n");
    return 0;
}
