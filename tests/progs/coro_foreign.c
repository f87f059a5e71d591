/* Coroutines on stacks ward is never told of, switched by hand-written
 * assembly (foreign_switch.h): one stack in static memory, one mapped
 * between guard pages, one from malloc. Stacks taken on them must name
 * the coroutine's calls.
 *
 * Usage: coro_foreign [ROUNDS] [double-free-on static|mapped|heap]
 *        coro_foreign shrink munmap|mprotect|mmap|mremap|marker
 *        coro_foreign on-stack mapped|heap
 *        coro_foreign nocfi
 * Clean: ROUNDS rounds, in each of which every coroutine allocates a
 * block a few calls deep, yields, and frees the block of the round before.
 * double-free-on: that stack's coroutine then frees its block twice.
 * shrink: a coroutine runs on a 128 KiB mapping; then the program takes
 * the upper half away and runs another coroutine on the lower half, laid
 * out to "return" into an exit function (see fsw_make_exit). A walk that
 * still took the old mapping's end for the stack's top would read the
 * page above the new top and crash.
 * on-stack: a function called on a stack of its own (fsw_on_stack) frees
 * a block twice; the stacks must go on to the caller's stack.
 * nocfi: a coroutine's call through code without unwind information frees
 * a block twice; the stacks must go on past it, by its frame pointer. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "foreign_switch.h"

#define STACK (64 * 1024)

struct coro {
    const char *name;
    void *sp;
    char *held;
    long sum;
};

static void *main_sp;
static struct coro *current;
static long rounds = 1000;
static const char *bad;

static void yield(void)
{
    fsw_switch(&current->sp, main_sp);
}

static __attribute__((noinline)) char *make_block(long i)
{
    char *p = malloc(16 + (size_t)(i % 64));
    if (!p)
        abort();
    p[0] = (char)i;
    return p;
}

static __attribute__((noinline)) void drop_block(char *p)
{
    current->sum += p[0];
    free(p);
}

static __attribute__((noinline)) void work(struct coro *c)
{
    for (long i = 0; i < rounds; i++) {
        char *p = make_block(i);
        yield();
        if (c->held)
            drop_block(c->held);
        c->held = p;
    }
    if (bad && !strcmp(bad, c->name)) {
        drop_block(c->held);
        drop_block(c->held);
        c->held = NULL;
    }
    for (;;)
        yield();
}

static void on_static(void *arg) { work(arg); }
static void on_mapped(void *arg) { work(arg); }
static void on_heap(void *arg) { work(arg); }

static void run_once(struct coro *c)
{
    current = c;
    fsw_switch(&main_sp, c->sp);
}

static int shrink(const char *how)
{
    size_t half = 64 * 1024;
    struct coro a = { "a" }, b = { "b" };
    char *m = mmap(NULL, 2 * half, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    rounds = 3;
    a.sp = fsw_make(m, 2 * half, on_mapped, &a);
    for (int i = 0; i < 4; i++)
        run_once(&a);
    int rc = -1;
    if (!strcmp(how, "munmap"))
        rc = munmap(m + half, half);
    else if (!strcmp(how, "mprotect"))
        rc = mprotect(m + half, half, PROT_NONE);
    else if (!strcmp(how, "mmap"))
        rc = mmap(m + half, half, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
                     m + half ? 0 : -1;
    else if (!strcmp(how, "mremap"))
        rc = mremap(m, 2 * half, half, 0) == m ? 0 : -1;
    else if (!strcmp(how, "marker"))            /* Linux 6.13: no mapping changes */
        rc = madvise(m + half, half, 102) == 0 ? 0 : mprotect(m + half, half, PROT_NONE);
    if (rc)
        return 2;
    b.sp = fsw_make_exit(m, half, on_mapped, &b);      /* a's stack is gone */
    for (int i = 0; i < 4; i++)
        run_once(&b);
    free(a.held);
    free(b.held);
    printf("survived %s\n", how);
    return 0;
}

static char *twice;

static __attribute__((noinline)) void free_twice(void)
{
    twice = malloc(24);
    free(twice);
    free(twice);
}

static __attribute__((noinline)) void deep(void *arg)
{
    (void)arg;
    free_twice();
}

static __attribute__((noinline)) void call_on_stack(const char *where)
{
    size_t size = 256 * 1024;
    char *st = !strcmp(where, "heap") ? malloc(size)
                                      : mmap(NULL, size, PROT_READ | PROT_WRITE,
                                             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (!st || st == MAP_FAILED)
        exit(1);
    fsw_on_stack(NULL, deep, st + size);
}

static void through_nocfi(void *arg)
{
    (void)arg;
    fsw_nocfi(free_twice);
    for (;;)
        fsw_switch(&current->sp, main_sp);
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "shrink"))
        return shrink(argv[2]);
    if (argc > 2 && !strcmp(argv[1], "on-stack")) {
        call_on_stack(argv[2]);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "nocfi")) {
        static struct coro c = { "nocfi" };
        char *m = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED)
            return 1;
        c.sp = fsw_make(m, STACK, through_nocfi, &c);
        run_once(&c);
        return 0;
    }
    static char static_stack[STACK];
    static struct coro co[3] = { { "static" }, { "mapped" }, { "heap" } };
    if (argc > 1)
        rounds = atol(argv[1]);
    if (argc > 2)
        bad = argv[2];
    char *m = mmap(NULL, STACK + 8192, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *h = malloc(STACK);
    if (m == MAP_FAILED || !h || mprotect(m, 4096, PROT_NONE) ||
        mprotect(m + 4096 + STACK, 4096, PROT_NONE))
        return 1;
    co[0].sp = fsw_make(static_stack, STACK, on_static, &co[0]);
    co[1].sp = fsw_make(m + 4096, STACK, on_mapped, &co[1]);
    co[2].sp = fsw_make(h, STACK, on_heap, &co[2]);
    for (long i = 0; i <= rounds; i++)
        for (int k = 0; k < 3; k++) {
            current = &co[k];
            fsw_switch(&main_sp, co[k].sp);
        }
    long sum = 0;
    for (int k = 0; k < 3; k++) {
        free(co[k].held);
        sum += co[k].sum;
    }
    printf("checksum %ld\n", sum);
    munmap(m, STACK + 8192);
    free(h);
    return 0;
}
