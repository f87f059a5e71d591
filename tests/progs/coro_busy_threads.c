/* The main thread switches between two ucontext coroutines as fast as it
 * can while worker threads allocate, fill, check and free blocks. No
 * misuse: a coroutine's yield reads every thread's frees, and a worker's
 * block reused meanwhile by another worker is not a write after free. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define SIZE 2000

static ucontext_t main_uc, co_uc;
static atomic_int stop;
static atomic_long bad;

static void body(void)
{
    for (;;)
        swapcontext(&co_uc, &main_uc);
}

static void *worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        unsigned char *p = malloc(SIZE);
        memset(p, 0x11, SIZE);
        for (volatile int k = 0; k < 2000; k++)
            ;
        for (int i = 0; i < SIZE; i++)
            if (p[i] != 0x11) {
                atomic_fetch_add(&bad, 1);
                break;
            }
        free(p);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 500000;
    static char stack[65536];
    pthread_t t[3];
    getcontext(&co_uc);
    co_uc.uc_stack.ss_sp = stack;
    co_uc.uc_stack.ss_size = sizeof stack;
    co_uc.uc_link = &main_uc;
    makecontext(&co_uc, body, 0);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (long i = 0; i < n; i++)
        swapcontext(&main_uc, &co_uc);
    atomic_store(&stop, 1);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    printf("corrupted %ld\n", atomic_load(&bad));
    return 0;
}
