/* Stress: exec from a child, while the parent's other threads allocate.
 *
 * Two threads allocate and free without pause. The main thread, argv[1]
 * times (default 60), starts a child in turn by
 *   - fork + execv("/bin/true"),
 *   - fork + execv(itself, "child", DEPTH): the new image allocates, checks
 *     and frees a few hundred blocks, and execs itself again until DEPTH
 *     reaches 0 (a chain of three images in one process),
 *   - fork, then in the child start two threads that allocate, and exec
 *     itself from one of them while the other still allocates (exec ends
 *     the other threads wherever they are),
 *   - vfork + execv(itself, "child", 0),
 *   - posix_spawn of itself with "child", 0.
 * The parent checks that each child exits with status 0 within 20 s and
 * prints "ok" if all did. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_child.h"

extern char **environ;
static char *self;
static volatile int stop;
static char **held[2];

static void churn(char **w, unsigned seed, volatile int *until)
{
    unsigned s = seed;
    while (!*until) {
        s = s * 1103515245u + 12345u;
        int i = (int)((s >> 8) % 128);
        size_t n = 1 + (s >> 12) % (s % 64 ? 700 : 90000);
        free(w[i]);
        w[i] = malloc(n);
        memset(w[i], 0x33, n);
    }
}

static void *worker(void *arg)
{
    long me = (long)arg;
    churn(held[me], 12345u + (unsigned)me, &stop);
    return NULL;
}

/* The new image: allocate, check, free; exec again while depth lasts. */
static int child_image(int depth)
{
    char *v[400];
    for (int i = 0; i < 400; i++) {
        size_t n = i % 100 == 99 ? 150000 : 16 + (size_t)i * 7;
        v[i] = malloc(n);
        if (!v[i])
            return 3;
        memset(v[i], i & 0xff, n);
    }
    for (int i = 0; i < 400; i++) {
        if ((unsigned char)v[i][0] != (i & 0xff))
            return 4;
        free(v[i]);
    }
    if (depth > 0) {
        char d[16];
        snprintf(d, sizeof d, "%d", depth - 1);
        execl(self, self, "child", d, (char *)NULL);
        return 5;
    }
    return 0;
}

static volatile int child_stop;
static char *child_w[128];

static void *child_churn(void *arg)
{
    churn(child_w, 999u, &child_stop);
    return arg;
}

static void *child_exec(void *arg)
{
    usleep(2000);                   /* let the other thread get going */
    execl(self, self, "child", "0", (char *)NULL);
    _exit(6);
    return arg;
}

static int wait_child(pid_t pid, const char *how)
{
    int status;
    int r = wait_child_bounded(pid, &status);
    if (r < 0) {
        perror("waitpid");
        return 1;
    }
    if (r > 0) {
        fprintf(stderr, "exec_child: %s child %d hangs\n", how, pid);
        return 1;
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    fprintf(stderr, "exec_child: %s child: %s %d\n", how,
            WIFEXITED(status) ? "exit status" : "killed by signal",
            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return 1;
}

int main(int argc, char **argv)
{
    static char path[4096];
    ssize_t len = readlink("/proc/self/exe", path, sizeof path - 1);
    if (len <= 0)
        return 2;
    path[len] = 0;
    self = path;
    if (argc > 2 && !strcmp(argv[1], "child"))
        return child_image(atoi(argv[2]));
    int rounds = argc > 1 ? atoi(argv[1]) : 60;
    static const char *const how[] = { "exec /bin/true", "exec chain", "exec from a thread",
                                       "vfork", "posix_spawn" };
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_t t[2];
    for (long i = 0; i < 2; i++) {
        held[i] = calloc(128, sizeof(char *));
        pthread_create(&t[i], NULL, worker, (void *)i);
    }
    int bad = 0, done[5] = { 0 };
    for (int k = 0; k < rounds; k++) {
        int kind = k % 5;
        pid_t pid = -1;
        fflush(stdout);
        switch (kind) {
        case 0:
            pid = fork();
            if (pid == 0) {
                execl("/bin/true", "true", (char *)NULL);
                _exit(7);
            }
            break;
        case 1:
            pid = fork();
            if (pid == 0) {
                execl(self, self, "child", "2", (char *)NULL);
                _exit(7);
            }
            break;
        case 2:
            pid = fork();
            if (pid == 0) {
                pthread_t a, b;
                pthread_create(&a, NULL, child_churn, NULL);
                pthread_create(&b, NULL, child_exec, NULL);
                pthread_join(b, NULL);      /* never returns: b execs */
                _exit(8);
            }
            break;
        case 3:
            pid = vfork();
            if (pid == 0) {
                execl(self, self, "child", "0", (char *)NULL);
                _exit(7);
            }
            break;
        default: {
            char *args[] = { self, "child", "0", NULL };
            if (posix_spawn(&pid, self, NULL, NULL, args, environ) != 0)
                pid = -1;
            break;
        }
        }
        if (pid < 0) {
            perror(how[kind]);
            return 1;
        }
        if (wait_child(pid, how[kind]))
            bad++;
        else
            done[kind]++;
    }
    stop = 1;
    for (int i = 0; i < 2; i++) {
        pthread_join(t[i], NULL);
        for (int j = 0; j < 128; j++)
            free(held[i][j]);
        free(held[i]);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("exec_child: %d children in %.1f s (%d exec /bin/true, %d exec chains of 3, "
           "%d exec from a thread, %d vfork, %d posix_spawn), %d failed\n", rounds,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, done[0], done[1],
           done[2], done[3], done[4], bad);
    if (bad)
        return 1;
    printf("ok\n");
    return 0;
}
