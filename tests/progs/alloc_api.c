/* Every allocation function, checked against what glibc documents:
 * alignment, zeroing, errno, and the return values of bad calls; and
 * mallinfo2, which must count the program's blocks wherever they live.
 * Prints "ok" and exits 0 when all hold; with the argument "stats", then
 * calls malloc_stats. With "threads", only this: mallinfo2 counts what
 * eight threads hold, below the heap's peak (glibc's counts only its main
 * arena, so this one is for ward). */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { printf("check failed line %d: %s\n", __LINE__, #c); return 1; } } while (0)

#include <pthread.h>

static pthread_barrier_t held, checked;

static void *hold(void *arg)
{
    char *p[50];
    for (int i = 0; i < 50; i++)
        p[i] = malloc(1000);
    pthread_barrier_wait(&held);
    pthread_barrier_wait(&checked);
    for (int i = 0; i < 50; i++)
        free(p[i]);
    return arg;
}

static int threads_held(void)
{
    pthread_t t[8];
    free(malloc(10 << 20));                 /* the peak is behind us */
    struct mallinfo2 m0 = mallinfo2();
    pthread_barrier_init(&held, NULL, 9);
    pthread_barrier_init(&checked, NULL, 9);
    for (int i = 0; i < 8; i++)
        pthread_create(&t[i], NULL, hold, NULL);
    pthread_barrier_wait(&held);
    struct mallinfo2 m1 = mallinfo2();
    pthread_barrier_wait(&checked);
    for (int i = 0; i < 8; i++)
        pthread_join(t[i], NULL);
    CHECK(m1.uordblks >= m0.uordblks + 8 * 50 * 1000);
    printf("ok\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "threads") == 0)
        return threads_held();
    long page = sysconf(_SC_PAGESIZE);
    for (size_t n = 0; n < 70000; n = n * 3 + 1) {
        char *p = malloc(n);
        CHECK(p && ((uintptr_t)p & 15) == 0);
        CHECK(malloc_usable_size(p) >= n);
        memset(p, 0xab, n);
        free(p);
        char *z = calloc(n, 1);
        CHECK(z);
        for (size_t i = 0; i < n; i++)
            CHECK(z[i] == 0);
        free(z);
    }
    for (size_t a = 16; a <= 65536; a *= 2) {
        void *p = NULL;
        CHECK(posix_memalign(&p, a, 100) == 0 && ((uintptr_t)p & (a - 1)) == 0);
        free(p);
        p = aligned_alloc(a, a * 2);
        CHECK(p && ((uintptr_t)p & (a - 1)) == 0);
        free(p);
        p = memalign(a, 3);
        CHECK(p && ((uintptr_t)p & (a - 1)) == 0);
        free(p);
    }
    void *p = (void *)1;
    CHECK(posix_memalign(&p, 24, 10) == EINVAL && p == (void *)1);
    CHECK(posix_memalign(&p, 4, 10) == EINVAL && p == (void *)1);
    CHECK(posix_memalign(&p, 64, SIZE_MAX / 2) == ENOMEM && p == (void *)1);
    p = aligned_alloc(24, 48);              /* glibc 2.36: like memalign */
    CHECK(p && ((uintptr_t)p & 31) == 0);
    free(p);
    p = memalign(24, 10);                   /* rounded up to 32 */
    CHECK(p && ((uintptr_t)p & 31) == 0);
    free(p);
    p = valloc(10);
    CHECK(p && ((uintptr_t)p & (page - 1)) == 0);
    free(p);
    p = pvalloc(10);
    CHECK(p && ((uintptr_t)p & (page - 1)) == 0 && malloc_usable_size(p) >= (size_t)page);
    free(p);
    errno = 0;
    CHECK(calloc(SIZE_MAX / 2, 4) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(malloc(SIZE_MAX - 100) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(malloc((size_t)1 << 50) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(reallocarray(NULL, SIZE_MAX / 2, 3) == NULL && errno == ENOMEM);
    /* Alignments no address space can meet fail, and nothing else does
     * (ward must not take them for its own memory running out). */
    p = (void *)1;
    CHECK(posix_memalign(&p, (size_t)1 << 63, 8) == ENOMEM && p == (void *)1);
    errno = 0;
    CHECK(memalign((size_t)1 << 62, 64) == NULL && errno == ENOMEM);
    errno = 0;
    CHECK(aligned_alloc((size_t)1 << 50, 64) == NULL && errno == ENOMEM);
    char *r = malloc(10);
    strcpy(r, "123456789");
    errno = 0;
    CHECK(realloc(r, SIZE_MAX - 10) == NULL && errno == ENOMEM);
    CHECK(strcmp(r, "123456789") == 0);     /* the old block survives */
    r = reallocarray(r, 100, 2);
    CHECK(r && strcmp(r, "123456789") == 0);
    CHECK(realloc(r, 0) == NULL);          /* glibc: frees it */
    CHECK(malloc_usable_size(NULL) == 0);
    free(NULL);
    char *big = malloc(10 << 20);
    CHECK(big);
    memset(big, 1, 10 << 20);
    big = realloc(big, 20 << 20);
    CHECK(big && big[(10 << 20) - 1] == 1);
    free(big);
    struct mallinfo2 m0 = mallinfo2();
    char *held[100];
    for (int i = 0; i < 100; i++) {
        held[i] = malloc(10000);
        CHECK(held[i]);
        memset(held[i], i, 10000);
    }
    struct mallinfo2 m1 = mallinfo2();
    CHECK(m1.uordblks >= m0.uordblks + 100 * 10000);
    CHECK(m1.arena >= m1.uordblks);
    for (int i = 0; i < 100; i++)
        free(held[i]);
    struct mallinfo2 m2 = mallinfo2();
    CHECK(m2.uordblks + 100 * 10000 <= m1.uordblks);
    if (argc > 1 && strcmp(argv[1], "stats") == 0)
        malloc_stats();
    printf("ok\n");
    return 0;
}
