/* Correct threaded programs that ward's stop of the world must leave alone;
 * argv[1] picks one:
 *   sigwait     a thread blocks every signal and takes them with sigwait,
 *               as daemons' signal threads do: it must receive none (it
 *               keeps a block of 12345 bytes, made just before)
 *   main-exits  main calls pthread_exit while a worker runs on; a block
 *               reachable from a global is no leak
 *   churn N     N threads one after the other, each allocating and freeing
 *               a block; prints "churn N"
 *   unstarted   main starts 64 detached threads, each given a block of its
 *               own, and exits at once: a thread not yet running at exit
 *               holds its block only through pthread_create's argument
 *   ending      main exits while a thread runs a TLS destructor of the
 *               program's, after ward's: the thread's __thread block is
 *               still its own */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sigset_t all;

static void *churn(void *arg)
{
    free(malloc(100));
    return arg;
}
static char *global, *kept;

static void *signal_thread(void *arg)
{
    int sig;
    kept = malloc(12345);
    for (;;) {
        sigwait(&all, &sig);
        printf("signal thread: got signal %d\n", sig);
        fflush(stdout);
    }
    return arg;
}

static void *take(void *arg)
{
    free(arg);
    return NULL;
}

static pthread_key_t key;
static sem_t in_destructor;
static __thread char *cache;

static void slow_destructor(void *v)
{
    (void)v;
    sem_post(&in_destructor);
    pause();                        /* until the process exits */
    free(cache);
}

static void *cache_and_end(void *arg)
{
    cache = malloc(77);
    pthread_setspecific(key, (void *)1);
    return arg;
}

static void *worker(void *arg)
{
    usleep(50000);
    printf("worker done\n");
    return arg;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    pthread_t t;
    if (!strcmp(mode, "churn")) {
        int n = argc > 2 ? atoi(argv[2]) : 1000;
        for (int i = 0; i < n; i++) {
            pthread_t t;
            if (pthread_create(&t, NULL, churn, NULL) != 0)
                return 1;
            pthread_join(t, NULL);
        }
        printf("churn %d\n", n);
        return 0;
    }
    if (!strcmp(mode, "sigwait")) {
        sigfillset(&all);
        pthread_sigmask(SIG_BLOCK, &all, NULL);
        pthread_create(&t, NULL, signal_thread, NULL);
        free(malloc(100));
        usleep(100000);
        printf("main done\n");
        return 0;
    }
    if (!strcmp(mode, "unstarted")) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        for (int i = 0; i < 64; i++)
            if (pthread_create(&t, &attr, take, malloc(24)) != 0)
                return 1;
        return 0;
    }
    if (!strcmp(mode, "ending")) {
        sem_init(&in_destructor, 0, 0);
        pthread_key_create(&key, slow_destructor);
        pthread_create(&t, NULL, cache_and_end, NULL);
        pthread_detach(t);
        sem_wait(&in_destructor);
        return 0;
    }
    if (!strcmp(mode, "main-exits")) {
        global = malloc(1000);
        pthread_create(&t, NULL, worker, NULL);
        pthread_exit(NULL);
    }
    return 2;
}
