/* Two coroutine stacks carved from one heap block, as a scheduler with a
 * stack pool does: "one" on the upper half, "two" on the lower half.
 *   overflow   two runs and yields, then one recurses past its stack:
 *              the report names one
 *   handoff    one hands a block to two and finishes (coro_leaks=1 scans
 *              then); two, still running in the same block, holds it
 *   suspended  both stay suspended at exit: the leak scan reads the block
 *              around both guard pages, and a block held on two's stack
 *              is not leaked */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <ward.h>

#define STACK (64 * 1024)

static ucontext_t main_ctx, ctx_one, ctx_two;
static char *volatile handoff;
static const char *mode;

static int deep(int n)
{
    volatile char buf[512];
    memset((char *)buf, n, sizeof buf);
    return n > 0 ? deep(n - 1) + buf[3] : 0;
}

static void one(void)
{
    ward_coro_name("one");
    if (!strcmp(mode, "overflow")) {
        printf("%d\n", deep(200));
        return;
    }
    handoff = strdup("made by one, kept by two");
    swapcontext(&ctx_one, &main_ctx);
}

static void two(void)
{
    ward_coro_name("two");
    char *volatile mine = handoff;
    handoff = NULL;
    swapcontext(&ctx_two, &main_ctx);
    puts(mine);
    free(mine);
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
    mode = argc > 1 ? argv[1] : "";
    char *pool = malloc(2 * STACK);
    make(&ctx_one, pool + STACK, one);
    make(&ctx_two, pool, two);
    if (!strcmp(mode, "overflow")) {
        swapcontext(&main_ctx, &ctx_two);   /* two runs first, then yields */
        swapcontext(&main_ctx, &ctx_one);   /* one runs off its stack into two's */
        return 0;
    }
    swapcontext(&main_ctx, &ctx_one);       /* one allocates, yields */
    swapcontext(&main_ctx, &ctx_two);       /* two takes the block, yields */
    if (!strcmp(mode, "suspended"))
        exit(0);
    swapcontext(&main_ctx, &ctx_one);       /* one finishes */
    swapcontext(&main_ctx, &ctx_two);       /* two prints and frees it */
    free(pool);
    puts("done");
    return 0;
}
