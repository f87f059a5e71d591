/* A coroutine on a small static stack (3 KiB, as GNU PCL's delete-helper
 * coroutine has) frees a block and switches back: ward's free, its first
 * calls into libc among them, must fit. Measures how deep the stack was
 * used (the region below the stack is painted and checked); exits 1 if
 * past its end. Link it with -z now: a first call through its own PLT
 * would save the vector registers there. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define STK 3072
static struct {
    ucontext_t main_ctx;            /* what an overflow of stk hits first */
    char below[16384];              /* painted: shows how far below the stack it went */
    char stk[STK];
} t;
static ucontext_t co_ctx;
static char *p;

static void fn(void)
{
    free(p);
    swapcontext(&co_ctx, &t.main_ctx);
}

int main(void)
{
    p = malloc(32768);   /* poison checked with memcmp: ward's first call to it */
    memset(t.below, 0xAA, sizeof t.below);
    memset(t.stk, 0xAA, sizeof t.stk);
    getcontext(&co_ctx);
    co_ctx.uc_stack.ss_sp = t.stk;
    co_ctx.uc_stack.ss_size = STK;
    co_ctx.uc_link = NULL;
    makecontext(&co_ctx, fn, 0);
    swapcontext(&t.main_ctx, &co_ctx);
    size_t used = 0;
    for (size_t i = 0; i < sizeof t.below + STK; i++)
        if (t.below[i] != (char)0xAA) { used = sizeof t.below + STK - i; break; }
    printf("stack used: %zu bytes of %d%s\n", used, STK, used > STK ? " (OVERFLOW)" : "");
    return used > STK;
}
