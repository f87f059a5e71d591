/* Situations a memory debugger must survive; argv[1] picks one. Each
 * prints "ok" and exits 0 when the program behaved as with glibc. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("check failed line %d: %s\n", __LINE__, #c); return 1; } } while (0)

static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    if (f)
        fclose(f);
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static void *nothing(void *arg) { return arg; }

static void *churn(void *arg)
{
    free(malloc(100));
    return arg;
}

static int threads_churn(void)
{
    long before = 0;
    for (int i = 0; i < 3000; i++) {
        pthread_t t;
        pthread_create(&t, NULL, i % 2 ? nothing : churn, NULL);
        pthread_join(t, NULL);
        if (i == 200)
            before = rss_kib();
    }
    long after = rss_kib();
    printf("rss grew by %ld KiB\n", after - before);
    CHECK(after - before < 64 * 1024);
    return 0;
}

static int errno_kept(void)
{
    for (int i = 0; i < 1000; i++) {
        void *p = malloc(32 + i);
        errno = EBADF;
        free(p);
        CHECK(errno == EBADF);
        errno = EIO;
        p = memalign(64, 100 + i);
        CHECK(p && errno == EIO);
        free(p);
    }
    return 0;
}

static volatile sig_atomic_t forks;

static void on_alarm(int sig)
{
    (void)sig;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    if (pid > 0) {
        waitpid(pid, NULL, 0);
        forks++;
    }
}

static int fork_in_handler(void)
{
    struct itimerval it = { { 0, 2000 }, { 0, 2000 } };
    signal(SIGALRM, on_alarm);
    setitimer(ITIMER_REAL, &it, NULL);
    while (forks < 100) {
        void *v[64];
        for (int i = 0; i < 64; i++)
            v[i] = malloc(16 + i * 40);
        for (int i = 0; i < 64; i++)
            free(v[i]);
    }
    signal(SIGALRM, SIG_IGN);
    return 0;
}

static int huge_realloc(void)
{
    size_t n = 8 * 1024 * 1024 - 8000;
    char *p = malloc(n);
    memset(p, 'x', n);
    CHECK(malloc_usable_size(p) >= n);
    p = realloc(p, n + 1);
    CHECK(p);
    for (size_t i = 0; i < n; i += 4096)
        CHECK(p[i] == 'x');
    free(p);
    for (int k = 20; k <= 34; k += 2) {
        void *q = memalign((size_t)1 << k, 64);
        CHECK(q && ((uintptr_t)q & (((size_t)1 << k) - 1)) == 0);
        CHECK(malloc_usable_size(q) >= 64);
        memset(q, 1, 64);
        free(q);
    }
    errno = 0;
    CHECK(memalign((size_t)1 << 63, PTRDIFF_MAX) == NULL && errno == ENOMEM);
    return 0;
}

static int many_large(void)
{
    enum { N = 40000 };
    static char *v[N];
    for (int i = 0; i < N; i++) {
        v[i] = malloc(70000);
        CHECK(v[i]);
        v[i][69999] = 1;
    }
    for (int i = 0; i < N; i++)
        free(v[i]);
    return 0;
}

/* Forks a child that calls exit(0) at once; its wait status (-1 if fork
 * failed). */
static int fork_exit_child(void)
{
    int st = -1;
    pid_t pid = fork();
    if (pid == 0)
        exit(0);
    if (pid > 0 && waitpid(pid, &st, 0) != pid)
        st = -1;
    return st;
}

/* Threads that never stop allocating and freeing, in the middle of which
 * children are forked and call exit, and then the process itself exits:
 * a thread stopped (or left behind by fork) half-way through malloc or
 * free is no error. */
static char *busy_v[4][256];

static void *busy_worker(void *arg)
{
    long me = (long)arg;
    unsigned s = (unsigned)me * 2654435761u + 1;
    for (;;) {
        s = s * 1103515245u + 12345u;
        int i = (s >> 8) % 256;
        free(busy_v[me][i]);
        size_t n = 1 + (s >> 16) % 600;
        char *p = malloc(n);
        memset(p, 1, n);
        busy_v[me][i] = p;
    }
    return NULL;
}

static int exit_while_busy(void)
{
    pthread_t t;
    for (long i = 0; i < 4; i++)
        CHECK(pthread_create(&t, NULL, busy_worker, (void *)i) == 0);
    usleep(5000);
    for (int k = 0; k < 60; k++) {
        int st = fork_exit_child();
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            printf("child %d of 60 failed (status %#x)\n", k, st);
            return 1;
        }
    }
    return 0;
}

/* Threads created just before exit, so that some start while ward stops
 * the world for its exit checks: they must be stopped too. */
static char *starting_v[8][256];

static void *starting_worker(void *arg)
{
    long me = (long)arg;
    for (unsigned i = 0;; i++) {
        char *p = malloc(64 + i % 500);
        memset(p, 1, 64 + i % 500);
        free(starting_v[me][i % 256]);
        starting_v[me][i % 256] = p;
    }
    return NULL;
}

static int exit_while_starting(void)
{
    pthread_t t;
    for (long i = 0; i < 8; i++)
        CHECK(pthread_create(&t, NULL, starting_worker, (void *)i) == 0);
    printf("ok\n");
    fflush(stdout);
    exit(0);
}

/* A block only a worker thread holds, in a local, when the process
 * forks: in the child, where that thread does not run, it is no leak. */
static void *_Atomic handed;
static _Atomic int holding;

/* Deep in the thread's stack, far below its descriptor and TLS. */
static __attribute__((noinline)) void hold_deep(int depth)
{
    volatile char pad[16384];
    pad[0] = (char)depth;
    if (depth) {
        hold_deep(depth - 1);
        return;
    }
    char *volatile mine = atomic_exchange(&handed, NULL);
    atomic_store(&holding, 1);
    while (atomic_load(&holding))
        usleep(1000);
    free(mine);
    (void)pad[0];
}

static void *holder(void *arg)
{
    (void)arg;
    hold_deep(4);
    return NULL;
}

static __attribute__((noinline)) void hand_over(void)
{
    char *p = malloc(1000);
    memset(p, 'h', 1000);
    atomic_store(&handed, p);
}

/* No stale copy of the pointer may stay in this thread's dead stack. */
static __attribute__((noinline)) void wipe_stack(void)
{
    volatile char junk[4096];
    memset((char *)junk, 0, sizeof junk);
}

static int fork_while_held(void)
{
    pthread_t t;
    hand_over();
    wipe_stack();
    CHECK(pthread_create(&t, NULL, holder, NULL) == 0);
    while (!atomic_load(&holding))
        usleep(1000);
    int st = fork_exit_child();
    atomic_store(&holding, 0);
    pthread_join(t, NULL);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    int rc = 2;
    if (!strcmp(what, "threads-churn"))
        rc = threads_churn();
    else if (!strcmp(what, "errno"))
        rc = errno_kept();
    else if (!strcmp(what, "fork-in-handler"))
        rc = fork_in_handler();
    else if (!strcmp(what, "huge-realloc"))
        rc = huge_realloc();
    else if (!strcmp(what, "many-large"))
        rc = many_large();
    else if (!strcmp(what, "exit-while-busy"))
        rc = exit_while_busy();
    else if (!strcmp(what, "exit-while-starting"))
        rc = exit_while_starting();
    else if (!strcmp(what, "fork-while-held"))
        rc = fork_while_held();
    if (rc == 0)
        printf("ok\n");
    return rc;
}
