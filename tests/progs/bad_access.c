/* Out-of-bounds and after-free accesses; argv[1] says which. Each mode's
 * buggy access happens in a function named after it, so tests can look for
 * that frame. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

static volatile char sink;

__attribute__((noinline)) static void write_past_end(char *p, size_t n) { p[n] = 'X'; p[n + 1] = 'Y'; }
__attribute__((noinline)) static void write_before_start(char *p) { p[-2] = 'U'; }
__attribute__((noinline)) static void write_past_end_gap(char *p, size_t n) { p[n] = 'X'; p[n + 3] = 'Y'; }
__attribute__((noinline)) static void read_past_end(char *p, size_t n) { sink = p[n + 3]; }
__attribute__((noinline)) static void read_before_start(char *p) { sink = p[-1]; }
__attribute__((noinline)) static void write_after_free(char *p) { p[8] = 'W'; }
__attribute__((noinline)) static void read_after_free(char *p) { sink = p[8]; }

static char *make(size_t n)
{
    char *p = malloc(n);
    memset(p, 'a', n);
    return p;
}

/* Two blocks of n bytes in adjacent slots, the lower one in *lo; returns
 * the upper one, or NULL if the heap placed them apart. */
static char *make_pair(size_t n, char **lo)
{
    char *a = make(n), *b = make(n);
    *lo = a < b ? a : b;
    char *hi = a < b ? b : a;
    return (size_t)(hi - *lo) < 2 * n + 256 ? hi : NULL;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    size_t n = argc > 2 ? strtoul(argv[2], NULL, 0) : 24;
    char *p = make(n);
    if (!strcmp(mode, "overflow")) {            /* found at free */
        write_past_end(p, n);
        free(p);
    } else if (!strcmp(mode, "overflow-gap")) {    /* bytes left alone between */
        write_past_end_gap(p, n);
        free(p);
    } else if (!strcmp(mode, "underflow")) {
        write_before_start(p);
        free(p);
    } else if (!strcmp(mode, "aligned-underflow")) {
        /* Page-aligned: most of the slot below the block is slack. */
        void *q;
        if (posix_memalign(&q, 4096, n))
            return 1;
        memset(q, 'a', n);
        write_before_start(q);
        free(q);
    } else if (!strcmp(mode, "underflow-neighbour") || !strcmp(mode, "underflow-neighbour-exit")) {
        /* A live block in the slot below: its slack is not all redzone,
         * and the damage is still this block's. */
        char *lo, *hi = make_pair(n, &lo);
        if (!hi)
            return 77;
        write_before_start(hi);
        if (!strcmp(mode, "underflow-neighbour-exit"))
            exit(0);
        free(hi);
        free(lo);
    } else if (!strcmp(mode, "overflow-neighbour")) {
        /* The lower block runs over its end into the upper one's redzone:
         * the lower one is to blame. */
        char *lo, *hi = make_pair(n, &lo);
        if (!hi)
            return 77;
        memset(lo + n, 'V', (size_t)(hi - (lo + n)) - 1);
        free(hi);
        free(lo);
    } else if (!strcmp(mode, "overflow-neighbour-lower-first")) {
        /* The same, the lower block freed first: reported once, as its
         * overflow, not again as an underflow of the upper one. */
        char *lo, *hi = make_pair(n, &lo);
        if (!hi)
            return 77;
        memset(lo + n, 'V', (size_t)(hi - (lo + n)) - 1);
        free(lo);
        free(hi);
    } else if (!strcmp(mode, "overflow-and-underflow")) {
        /* Two bugs: the lower block runs one byte over, the upper one
         * under; the lower freed first. Both are reported. */
        char *lo, *hi = make_pair(n, &lo);
        if (!hi)
            return 77;
        lo[n] = 'o';
        hi[-1] = 'u';
        free(lo);
        free(hi);
    } else if (!strcmp(mode, "overflow-far")) {  /* well past the 64 bytes after */
        ((volatile char *)p)[n + 76] = 'F';
        free(p);
    } else if (!strcmp(mode, "overflow-realloc")) {
        write_past_end(p, n);
        p = realloc(p, n * 2);
        free(p);
    } else if (!strcmp(mode, "overflow-exit")) { /* never freed */
        write_past_end(p, n);
        exit(0);
    } else if (!strcmp(mode, "uaf-write")) {    /* found at exit */
        free(p);
        write_after_free(p);
    } else if (!strcmp(mode, "uaf-write-reuse")) { /* found when reused */
        free(p);
        write_after_free(p);
        for (int i = 0; i < 1000; i++)
            free(make(n));
    } else if (!strcmp(mode, "read-overflow")) {  /* faults under guard */
        read_past_end(p, n);
        free(p);
    } else if (!strcmp(mode, "read-overflow-after-churn")) {
        /* Freed guarded blocks hold no mapping: guarding goes on. */
        for (int i = 0; i < 40000; i++)
            free(make(n));
        read_past_end(p, n);
        free(p);
    } else if (!strcmp(mode, "read-underflow")) {
        read_before_start(p);
        free(p);
    } else if (!strcmp(mode, "read-after-free")) {
        free(p);
        read_after_free(p);
    } else if (!strcmp(mode, "write-after-free")) {
        free(p);
        write_after_free(p);
    } else if (!strcmp(mode, "calloc-after-locked")) {
        /* A correct program: freeing locked memory is legal, and calloc's
         * blocks are zero however the pages were left. */
        if (mlock(p, n) != 0)
            return 77;
        memset(p, 'K', n);
        free(p);
        int dirty = 0;
        for (int i = 0; i < 1000; i++) {
            unsigned char *q = calloc(1, n);
            for (size_t j = 0; j < n; j++)
                if (q[j]) {
                    dirty++;
                    break;
                }
            free(q);
        }
        printf("calloc blocks not zero: %d\n", dirty);
        if (dirty)
            return 1;
    } else if (!strcmp(mode, "read-after-free-locked")) {
        /* Locked and never unlocked, as libsodium's sodium_mlock leaves
         * secrets: the kernel refuses guard markers in locked memory. */
        if (mlock(p, n) != 0)
            return 77;                      /* not allowed here: skip */
        free(p);
        read_after_free(p);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("survived %s\n", mode);
    return 0;
}
