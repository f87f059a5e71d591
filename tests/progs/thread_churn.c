#define _GNU_SOURCE
/* Many short-lived threads, as a server that starts one per request: ward
 * lets the records of ended threads go, and what it still reports must
 * not suffer for it.
 *   churn N   4N threads, four at a time, each allocating and freeing;
 *             prints the peak RSS in KiB
 *   late N    after 4N threads, one named "late" frees a block twice:
 *             the report names it and its creator
 *   named N   255 threads, then N named "handler", the 45th of which
 *             (T300) leaves a block that main frees twice after them all:
 *             the report names T300 by its name, its record long gone
 *   keyfree N 4N threads, each leaving a block in a pthread key whose
 *             destructor, run after ward's, frees it; prints the peak RSS
 *   remap     a thread on a 64 MiB stack ends (glibc unmaps a stack that
 *             large rather than cache it); the program maps 16 MiB at the
 *             bottom of where it was, and keeps a block only there: not a
 *             leak
 *   alive N   N threads alive at once, then all end: ward keeps every
 *             record meanwhile
 *   tls N     a thread on a stack of its own size keeps a block only in
 *             a __thread variable and ends; 4N more threads start and end
 *             on glibc's few other cached stacks (its record goes, its
 *             stack stays in the cache): the block is leaked, as if its
 *             record were kept */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "peak_rss.h"

static __thread char *kept;

static void *work(void *arg)
{
    char *p = malloc(64);
    memset(p, 1, 64);
    free(p);
    return arg;
}

static void *late(void *arg)
{
    pthread_setname_np(pthread_self(), "late");
    char *p = malloc(24);
    free(p);
    free(p);
    return arg;
}

static void *keep_in_tls(void *arg)
{
    kept = malloc(777);
    memset(kept, 2, 777);
    return arg;
}

static pthread_key_t key;
static char *left;
static long started;

static void *handler(void *arg)
{
    pthread_setname_np(pthread_self(), "handler");
    char *p = malloc(48);
    if (++started == 45)
        left = p;
    else
        free(p);
    return arg;
}
static pthread_barrier_t all_up;

static void *stack_lo;

static void *where(void *arg)
{
    pthread_attr_t attr;
    size_t size;
    pthread_getattr_np(pthread_self(), &attr);
    pthread_attr_getstack(&attr, &stack_lo, &size);
    pthread_attr_destroy(&attr);
    return arg;
}

static void *keep_in_key(void *arg)
{
    char *p = malloc(100);
    memset(p, 3, 100);
    pthread_setspecific(key, p);
    return arg;
}

static void *wait_all(void *arg)
{
    pthread_barrier_wait(&all_up);
    return arg;
}

static void churn_with(long n, void *(*fn)(void *))
{
    for (long i = 0; i < n; i++) {
        pthread_t t[4];
        for (int k = 0; k < 4; k++)
            pthread_create(&t[k], NULL, fn, NULL);
        for (int k = 0; k < 4; k++)
            pthread_join(t[k], NULL);
    }
}

static void churn(long n)
{
    churn_with(n, work);
}


static void one(void *(*fn)(void *), size_t stack)
{
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    if (stack)
        pthread_attr_setstacksize(&attr, stack);
    pthread_create(&t, &attr, fn, NULL);
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "churn";
    long n = argc > 2 ? atol(argv[2]) : 1000;
    if (!strcmp(mode, "churn")) {
        churn(n);
        printf("%ld threads, peak %ld KiB\n", 4 * n, peak_kib());
    } else if (!strcmp(mode, "late")) {
        churn(n);
        one(late, 0);
    } else if (!strcmp(mode, "named")) {
        for (int i = 0; i < 255; i++)
            one(work, 0);
        for (long i = 0; i < n; i++)
            one(handler, 0);
        free(left);
        free(left);
    } else if (!strcmp(mode, "keyfree")) {
        pthread_key_create(&key, free);
        churn_with(n, keep_in_key);
        printf("%ld threads, peak %ld KiB\n", 4 * n, peak_kib());
    } else if (!strcmp(mode, "remap")) {
        one(where, 64 << 20);
        void **m = mmap(stack_lo, 16 << 20, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
        if (m != stack_lo) {
            perror("mmap where the stack was");
            return 1;
        }
        m[1000] = malloc(555);
        puts("remapped");
    } else if (!strcmp(mode, "alive")) {
        pthread_t *t = malloc(n * sizeof *t);
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64 << 10);
        pthread_barrier_init(&all_up, NULL, (unsigned)n + 1);
        for (long i = 0; i < n; i++)
            if (pthread_create(&t[i], &attr, wait_all, NULL) != 0) {
                perror("pthread_create");
                return 1;
            }
        pthread_barrier_wait(&all_up);
        for (long i = 0; i < n; i++)
            pthread_join(t[i], NULL);
        free(t);
        printf("alive %ld\n", n);
    } else if (!strcmp(mode, "tls")) {
        churn(64);                  /* past the chunk of T0, which stays */
        one(keep_in_tls, 300 << 10);
        churn(n);
    } else {
        fprintf(stderr, "usage: thread_churn churn|late|named|keyfree|remap|alive|tls [N]\n");
        return 2;
    }
    return 0;
}
