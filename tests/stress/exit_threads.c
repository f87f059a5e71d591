/* Stress: a process exits while its other threads are allocating.
 *
 * Usage: exit_threads [RUNS] (default 30). The program runs itself RUNS
 * times (fork + exec of /proc/self/exe, so each run is a fresh process,
 * checked by ward like any child). Each run starts four threads that
 * malloc, fill and free blocks without pause (and hand some to each other),
 * and leaves while they still run (at once, while they may still be
 * starting, or after 1 to 30 ms): by returning from main, by exit(0), or by
 * exit(0) from one of the threads, in turn. Ending a
 * process with running threads is allowed; every block is freed or
 * reachable from a global, so the run must exit 0 with nothing reported.
 * The parent checks each run's status and prints "ok" if all were 0. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_child.h"

#define THREADS 4
#define WINDOW  256

static char *held[THREADS][WINDOW];
static char *volatile shared[16];
static volatile int leave_from_thread;

static void *worker(void *arg)
{
    long me = (long)arg;
    unsigned s = (unsigned)me * 2654435761u + 1;
    for (unsigned long n = 0;; n++) {
        s = s * 1103515245u + 12345u;
        int i = (int)((s >> 8) % WINDOW);
        size_t size = 1 + (s >> 12) % (s % 64 ? 800 : 70000);
        char *p = malloc(size);
        memset(p, (int)me + 1, size);
        if (s % 8 == 0)
            p = __atomic_exchange_n(&shared[(s >> 4) % 16], p, __ATOMIC_ACQ_REL);
        free(held[me][i]);
        held[me][i] = p;
        if (me == 0 && leave_from_thread && n > 2000)
            exit(0);
    }
    return NULL;
}

static int one_run(int kind, int delay_ms)
{
    pthread_t t[THREADS];
    leave_from_thread = kind == 2;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    if (kind == 2)
        pthread_join(t[0], NULL);   /* thread 0 calls exit */
    if (delay_ms > 0)
        usleep((useconds_t)delay_ms * 1000);
    if (kind == 1)
        exit(0);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 3 && !strcmp(argv[1], "run"))
        return one_run(atoi(argv[2]), atoi(argv[3]));
    int runs = argc > 1 ? atoi(argv[1]) : 30, bad = 0;
    static const char *const how[] = { "return from main", "exit from main",
                                       "exit from a thread" };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int k = 0; k < runs; k++) {
        char kind[8], delay[8];
        snprintf(kind, sizeof kind, "%d", k % 3);
        /* A quarter of the runs leave at once, while their threads are
         * still starting; the others after 1 to 30 ms. */
        snprintf(delay, sizeof delay, "%d", k % 4 == 3 ? 0 : 1 + (k * 7) % 30);
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            execl("/proc/self/exe", argv[0], "run", kind, delay, (char *)NULL);
            _exit(127);
        }
        int status;
        int r = wait_child_bounded(pid, &status);
        if (r < 0)
            return 1;
        if (r > 0)
            fprintf(stderr, "exit_threads: run %d (%s) hangs\n", k, how[k % 3]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            bad++;
            fprintf(stderr, "exit_threads: run %d (%s after %s ms): %s %d\n", k, how[k % 3],
                    delay, WIFEXITED(status) ? "exit status" : "killed by signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("exit_threads: %d runs ended with 4 threads allocating, in %.1f s; %d failed\n", runs,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, bad);
    if (bad)
        return 1;
    printf("ok\n");
    return 0;
}
