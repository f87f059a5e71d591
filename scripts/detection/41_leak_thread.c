/* BUG: a worker thread allocates a 200-byte buffer and exits without freeing it. EXPECT: leak (200 bytes definitely lost, allocated in a thread) */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *arg)
{
    (void)arg;
    char *buf = malloc(200);
    memset(buf, 'w', 200);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
