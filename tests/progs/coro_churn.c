/* Many short-lived coroutines, as a server that makes one per request:
 * ward lets the records of finished ones go, and what it still follows
 * must not suffer for it.
 *   churn N     N coroutines, each made on a stack of its own, run to
 *               their end; prints the peak RSS in KiB
 *   overflow N  "old" is made on the upper half of a block and yields;
 *               after 1100 others, 100 are made one after another on the
 *               lower half (each remakes the one before), then N more
 *               elsewhere; old resumes and runs off its stack: the
 *               report names it
 *   uaf N       after N coroutines, "late" yields holding a block that
 *               main then frees; late writes to it when resumed
 *   restart N   a context run to its end, N coroutines, then the first
 *               context switched to again: it runs again, and at its end
 *               the process exits (glibc's makecontext left no way back)
 *   named N     N coroutines all named "req"; the 7th leaves a block that
 *               main frees twice after them all: the report names
 *               coroutine 7 by its name, its record long gone
 *   leaky N     N coroutines each leak a block from the same call: one
 *               leak report, allocated by several coroutines of main
 *   made N      N contexts made on 1 KiB stacks of one mapping and never
 *               entered: they never end, so ward keeps every record
 *   longjmp     coroutine 2047, the last of its chunk, is left by longjmp
 *               (a switch ward does not see), and its stack remade, which
 *               ends it; its chunk is reclaimed. main then frees a block
 *               twice: the report must name main, not coroutine 2047 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <ward.h>

#include "peak_rss.h"

#define STACK (64 * 1024)

static ucontext_t main_ctx, ctx, old_ctx, late_ctx;
static long runs;
static char *volatile shared;
static jmp_buf back;

static void body(void)
{
    char *p = malloc(32);
    p[0] = 1;
    runs += p[0];
    free(p);
}

/* One coroutine on stack, run to its end. */
static void run_one(char *stack, void (*fn)(void))
{
    getcontext(&ctx);
    ctx.uc_stack.ss_sp = stack;
    ctx.uc_stack.ss_size = STACK;
    ctx.uc_link = &main_ctx;
    makecontext(&ctx, fn, 0);
    swapcontext(&main_ctx, &ctx);
}

static void churn_with(long n, void (*fn)(void))
{
    for (long i = 0; i < n; i++) {
        char *stack = malloc(STACK);
        run_one(stack, fn);
        free(stack);
    }
}

static void churn(long n)
{
    churn_with(n, body);
}


static int deep(int n)
{
    volatile char buf[512];
    memset((char *)buf, n, sizeof buf);
    return n > 0 ? deep(n - 1) + buf[3] : 0;
}

static void old(void)
{
    ward_coro_name("old");
    swapcontext(&old_ctx, &main_ctx);
    printf("%d\n", deep(200));
}

static void late(void)
{
    ward_coro_name("late");
    char *volatile mine = shared;
    swapcontext(&late_ctx, &main_ctx);
    mine[8] = 'x';                  /* freed by main meanwhile */
}

static char *left;

static void req(void)
{
    ward_coro_name("req");
    char *p = malloc(32);
    if (++runs == 7)
        left = p;
    else
        free(p);
}

static void leak_one(void)
{
    char *volatile p = malloc(40);
    memset(p, 5, 40);
    p = NULL;
}

static void shout(void)
{
    printf("run %ld\n", ++runs);
    fflush(stdout);
}

static void leave_by_longjmp(void)
{
    longjmp(back, 1);
}

static void make(ucontext_t *c, char *stack, void (*fn)(void))
{
    getcontext(c);
    c->uc_stack.ss_sp = stack;
    c->uc_stack.ss_size = STACK;
    c->uc_link = &main_ctx;
    makecontext(c, fn, 0);
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "churn";
    long n = argc > 2 ? atol(argv[2]) : 10000;
    if (!strcmp(mode, "churn")) {
        churn(n);
        printf("%ld runs, peak %ld KiB\n", runs, peak_kib());
    } else if (!strcmp(mode, "overflow")) {
        char *block = malloc(2 * STACK);
        make(&old_ctx, block + STACK, old);
        swapcontext(&main_ctx, &old_ctx);
        churn(1100);                /* the carved ones in a chunk old is not in */
        for (int i = 0; i < 100; i++)
            run_one(block, body);
        churn(n);
        swapcontext(&main_ctx, &old_ctx);
        free(block);
    } else if (!strcmp(mode, "uaf")) {
        churn(n);
        char *stack = malloc(STACK);
        shared = malloc(64);
        make(&late_ctx, stack, late);
        swapcontext(&main_ctx, &late_ctx);
        free(shared);
        swapcontext(&main_ctx, &late_ctx);
        free(stack);
    } else if (!strcmp(mode, "restart")) {
        char *first = malloc(STACK);
        ucontext_t again;
        make(&again, first, shout);
        swapcontext(&main_ctx, &again);
        churn(n);
        runs = 1;
        swapcontext(&main_ctx, &again);
        free(first);
        printf("back after %ld runs\n", runs);
    } else if (!strcmp(mode, "named")) {
        for (long i = 0; i < n; i++) {
            char *stack = malloc(STACK);
            run_one(stack, req);
            free(stack);
        }
        free(left);
        free(left);
    } else if (!strcmp(mode, "leaky")) {
        churn_with(n, leak_one);
    } else if (!strcmp(mode, "made")) {
        static ucontext_t made[1024];
        char *area = mmap(NULL, (size_t)n << 10, PROT_READ | PROT_WRITE,
                          MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        for (long i = 0; i < n; i++) {
            ucontext_t *c = &made[i % 1024];
            getcontext(c);
            c->uc_stack.ss_sp = area + (i << 10);
            c->uc_stack.ss_size = 1024;
            c->uc_link = &main_ctx;
            makecontext(c, body, 0);
        }
        printf("made %ld\n", n);
    } else if (!strcmp(mode, "longjmp")) {
        churn(2046);
        char *s1 = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *s2 = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (!setjmp(back)) {
            make(&ctx, s1, leave_by_longjmp);
            swapcontext(&main_ctx, &ctx);
        }
        make(&ctx, s1, body);       /* ends the one left */
        make(&ctx, s2, body);       /* its creation reclaims the chunk */
        char *p = malloc(24);
        free(p);
        free(p);
    } else {
        fprintf(stderr, "usage: coro_churn churn|overflow|uaf|restart|named|leaky|made|longjmp [N]\n");
        return 2;
    }
    return 0;
}
