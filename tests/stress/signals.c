/* Stress: signal handlers that interrupt allocation.
 *
 * For argv[1] seconds (default 2) the main thread and a second thread
 * allocate, reallocate and free without pause, while
 *   - a POSIX timer (CLOCK_MONOTONIC, every 200 us) sends SIGALRM, whose
 *     handler does async-signal-safe work only: it saves errno, writes a
 *     byte to a non-blocking pipe, calls clock_gettime and getpid, blocks
 *     and unblocks a signal with sigprocmask, and restores errno; it runs
 *     on an alternate signal stack;
 *   - a third thread sends SIGUSR1 to the allocating thread with
 *     pthread_kill as fast as it can; its handler only sets a flag;
 *   - SIGUSR2 is sent the same way, with SA_RESTART off, to a thread
 *     blocked in read() on the pipe, which must see EINTR or data, never
 *     garbage.
 * Signals land anywhere in malloc and free, including inside ward. Every
 * block's contents are checked before it is freed. Prints the counts and
 * "ok" if every check held and signals were delivered. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int pipefd[2];
static volatile sig_atomic_t alarms, usr1_flag, usr2_seen;
static volatile unsigned long usr1_count;
static volatile int stop, failed;
static pthread_t allocator, reader;
static double deadline;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
    int saved = errno;
    struct timespec ts;
    sigset_t set, old;
    char c = 'a';
    (void)sig;
    if (write(pipefd[1], &c, 1) < 0 && errno != EAGAIN)
        failed = 1;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    if (getpid() <= 0)
        failed = 1;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, &old);
    sigprocmask(SIG_SETMASK, &old, NULL);
    alarms++;
    errno = saved;
}

static void on_usr1(int sig)
{
    (void)sig;
    usr1_flag = 1;
}

static void on_usr2(int sig)
{
    (void)sig;
    usr2_seen++;
}

static void check_block(const unsigned char *p, size_t n, unsigned char v)
{
    if (p[0] != v || p[n / 2] != v || p[n - 1] != v) {
        fprintf(stderr, "signals: block %p of %zu bytes damaged\n", (const void *)p, n);
        failed = 1;
    }
}

static unsigned long churn(unsigned seed)
{
    unsigned char *v[200] = { 0 };
    size_t sz[200] = { 0 };
    unsigned s = seed;
    unsigned long n = 0;
    while (!stop && !failed) {
        if ((n & 255) == 0 && now() >= deadline)
            break;
        s = s * 1103515245u + 12345u;
        int i = (int)((s >> 8) % 200);
        size_t size = 1 + (s >> 12) % (s % 100 ? 1000 : 120000);
        if (v[i])
            check_block(v[i], sz[i], (unsigned char)i);
        if (s % 5 == 0 && v[i]) {
            v[i] = realloc(v[i], size);
        } else {
            free(v[i]);
            v[i] = s % 7 == 0 ? calloc(1, size) : malloc(size);
        }
        if (!v[i]) {
            fprintf(stderr, "signals: out of memory\n");
            exit(1);
        }
        memset(v[i], i, size);
        sz[i] = size;
        n++;
        if (usr1_flag) {                /* the flag handler ran */
            usr1_flag = 0;
            usr1_count++;
        }
    }
    for (int i = 0; i < 200; i++) {
        if (v[i])
            check_block(v[i], sz[i], (unsigned char)i);
        free(v[i]);
    }
    return n;
}

static void *second_allocator(void *arg)
{
    return (void *)churn(777u + (unsigned)(uintptr_t)arg);
}

static void *pipe_reader(void *arg)
{
    int fd = open("/dev/null", O_RDONLY);       /* something to hold */
    unsigned long got = 0, eintr = 0;
    char buf[64];
    int rfd = dup(pipefd[0]);
    fcntl(rfd, F_SETFL, 0);                     /* blocking */
    while (!stop) {
        ssize_t r = read(rfd, buf, sizeof buf);
        if (r > 0) {
            for (ssize_t i = 0; i < r; i++)
                if (buf[i] != 'a')
                    failed = 1;
            got += r;
            char *p = malloc(32 + r);           /* allocate between reads */
            memset(p, 1, 32 + r);
            free(p);
        } else if (r < 0 && errno == EINTR) {
            eintr++;
        } else if (r < 0) {
            failed = 1;
            break;
        }
    }
    close(rfd);
    close(fd);
    (void)arg;
    (void)eintr;
    return (void *)got;
}

static void *killer(void *arg)
{
    unsigned long sent = 0;
    (void)arg;
    while (!stop) {
        pthread_kill(allocator, SIGUSR1);
        if ((sent & 15) == 0)
            pthread_kill(reader, SIGUSR2);
        sent++;
        if ((sent & 255) == 0)
            sched_yield();
    }
    return (void *)sent;
}

int main(int argc, char **argv)
{
    double secs = argc > 1 ? atof(argv[1]) : 2.0;
    if (pipe2(pipefd, O_NONBLOCK) != 0)
        return 1;

    stack_t ss = { .ss_sp = malloc(1 << 16), .ss_size = 1 << 16 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigaction(SIGALRM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sa.sa_flags = 0;                            /* no SA_RESTART: read gets EINTR */
    sigaction(SIGUSR2, &sa, NULL);

    allocator = pthread_self();
    pthread_t second, kill_thread;
    pthread_create(&reader, NULL, pipe_reader, NULL);
    pthread_create(&second, NULL, second_allocator, (void *)1);
    pthread_create(&kill_thread, NULL, killer, NULL);

    timer_t timer;
    struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM };
    if (timer_create(CLOCK_MONOTONIC, &sev, &timer) != 0) {
        perror("timer_create");
        return 1;
    }
    struct itimerspec its = { { 0, 200000 }, { 0, 200000 } };
    timer_settime(timer, 0, &its, NULL);

    double t0 = now();
    deadline = t0 + secs;
    unsigned long mine = churn(1u);
    stop = 1;
    struct itimerspec off = { { 0, 0 }, { 0, 0 } };
    timer_settime(timer, 0, &off, NULL);
    timer_delete(timer);
    void *r;
    unsigned long other, sent, got;
    pthread_join(second, &r);
    other = (unsigned long)r;
    pthread_join(kill_thread, &r);
    sent = (unsigned long)r;
    pthread_kill(reader, SIGUSR2);          /* wake it if it sleeps in read */
    char c = 'a';
    if (write(pipefd[1], &c, 1) < 0 && errno != EAGAIN)
        failed = 1;
    pthread_join(reader, &r);
    got = (unsigned long)r;
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    free(ss.ss_sp);
    close(pipefd[0]);
    close(pipefd[1]);
    printf("signals: %.1f s, %lu allocations by 2 threads; %d timer signals, "
           "%lu SIGUSR1 and %lu SIGUSR2 sent (%lu handled), %lu pipe bytes read\n",
           now() - t0, mine + other, (int)alarms, sent, sent / 16 + 1,
           (unsigned long)usr2_seen, got);
    if (failed)
        return 1;
    if (alarms < 10 || usr1_count < 10) {
        fprintf(stderr, "signals: too few signals delivered (%d timer, %lu SIGUSR1)\n",
                (int)alarms, usr1_count);
        return 1;
    }
    printf("ok\n");
    return 0;
}
