/* glibc's other names for the malloc family (__libc_malloc and the rest),
 * called directly as a malloc wrapper of a program's own would, and mixed
 * with the ordinary names. "clean": nothing to report. "overflow": a
 * block from __libc_malloc written past its end, freed by __libc_free. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
extern void *__libc_valloc(size_t);
extern void *__libc_pvalloc(size_t);
extern void __libc_free(void *);

#define CHECK(c) do { if (!(c)) { printf("failed: %s (line %d)\n", #c, __LINE__); exit(1); } } while (0)

__attribute__((noinline)) static char *make_libc(size_t n)
{
    char *p = __libc_malloc(n);
    memset(p, 'a', n);
    return p;
}

__attribute__((noinline)) static void write_past_end(char *p, size_t n) { p[n] = 'X'; }

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "overflow") == 0) {
        char *p = make_libc(24);
        write_past_end(p, 24);
        __libc_free(p);
        printf("survived\n");
        return 0;
    }
    char *p = make_libc(32);
    strcpy(p, "hello");
    p = realloc(p, 4000);                   /* ordinary name, block of the other */
    CHECK(p && strcmp(p, "hello") == 0);
    free(p);
    char *q = malloc(16);
    strcpy(q, "x");
    q = __libc_realloc(q, 100);
    CHECK(q && strcmp(q, "x") == 0);
    __libc_free(q);
    int *z = __libc_calloc(100, sizeof *z);
    for (int i = 0; i < 100; i++)
        CHECK(z[i] == 0);
    CHECK(malloc_usable_size(z) >= 100 * sizeof *z);
    free(z);
    void *a = __libc_memalign(256, 10);
    CHECK(a && ((uintptr_t)a & 255) == 0);
    free(a);
    a = __libc_valloc(10);
    CHECK(a && ((uintptr_t)a & 4095) == 0);
    __libc_free(a);
    a = __libc_pvalloc(10);
    CHECK(a && ((uintptr_t)a & 4095) == 0);
    free(a);
    printf("ok\n");
    return 0;
}
