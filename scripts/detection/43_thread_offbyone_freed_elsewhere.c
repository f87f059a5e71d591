/* BUG: a producer thread writes one byte past its malloc(24) block; a consumer thread frees it. EXPECT: heap-buffer-overflow (1-byte write just after a 24-byte block, found when another thread frees it) */
#include <pthread.h>
#include <stdlib.h>

static char *shared;

static void *producer(void *arg)
{
    (void)arg;
    char *p = malloc(24);
    for (int i = 0; i <= 24; i++)
        p[i] = 'p';
    shared = p;
    return NULL;
}

static void *consumer(void *arg)
{
    (void)arg;
    free(shared);
    return NULL;
}

int main(void)
{
    pthread_t a, b;
    pthread_create(&a, NULL, producer, NULL);
    pthread_join(a, NULL);
    pthread_create(&b, NULL, consumer, NULL);
    pthread_join(b, NULL);
    return 0;
}
