/* Stack painting, as schedulers measure how much of a coroutine's stack
 * was used: the stack is filled with a pattern before makecontext, and
 * afterwards the scheduler (not the coroutine) scans it from the bottom
 * for the first byte the coroutine changed. ward's guard page on that
 * stack must give way to the scan, and the pattern must survive it, also
 * after argv[1] other coroutines were made first (thousands of guard
 * pages: past a share of the kernel's mapping budget ward uses guard
 * markers, which would drop the painted bytes). With argv[2] "above", the
 * first 64 bytes of the stack are left zero and the paint starts above
 * them: the page ward guards holds the program's bytes all the same. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define STACK (64 * 1024)

static ucontext_t main_uc, co_uc;

static int depth(int n)
{
    volatile char pad[256];
    pad[0] = (char)n;
    return n ? depth(n - 1) + pad[0] : 0;
}

static void body(void)
{
    printf("sum %d\n", depth(20));
}

static void idle(void)
{
}

int main(int argc, char **argv)
{
    static void *kept[10000];
    int others = argc > 1 ? atoi(argv[1]) : 0;
    for (int i = 0; i < others && i < 10000; i++) {
        static ucontext_t uc;
        getcontext(&uc);
        uc.uc_stack.ss_sp = kept[i] = malloc(16384);
        uc.uc_stack.ss_size = 16384;
        uc.uc_link = &main_uc;
        makecontext(&uc, idle, 0);      /* made, never run, kept */
    }
    size_t from = argc > 2 && strcmp(argv[2], "above") == 0 ? 64 : 0;
    unsigned char *stack = malloc(STACK);
    memset(stack, 0, from);
    memset(stack + from, 0xAA, STACK - from);
    getcontext(&co_uc);
    co_uc.uc_stack.ss_sp = stack;
    co_uc.uc_stack.ss_size = STACK;
    co_uc.uc_link = &main_uc;
    makecontext(&co_uc, body, 0);
    swapcontext(&main_uc, &co_uc);
    size_t untouched = from;
    while (untouched < STACK && stack[untouched] == 0xAA)
        untouched++;
    printf("untouched from the bottom: %s\n", untouched > STACK / 2 ? "most" : "little");
    free(stack);
    return 0;
}
