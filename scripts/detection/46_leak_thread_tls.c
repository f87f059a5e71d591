/* BUG: a thread keeps its 200-byte buffer only in a __thread variable and exits: the block is lost. EXPECT: leak (memcheck: definitely lost; LSan: direct leak). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static __thread char *cache;

static void *worker(void *arg)
{
    (void)arg;
    cache = malloc(200);
    memset(cache, 'w', 200);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
