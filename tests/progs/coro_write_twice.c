/* A coroutine holds a pointer across a yield while main frees the block,
 * writes through it, yields, and later writes another part of it from
 * another function: two writes after free, each reported, the second
 * after the first was reported at a yield. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
static ucontext_t m, c;
static char *p;
__attribute__((noinline)) static void first_write(void) { p[0] = 'A'; }
/* Plain stores, which only the poison shows (memset would be checked at the
 * call, see libc_checks.sh). */
__attribute__((noinline)) static void second_write(void) { for (int i = 0; i < 16; i++) p[64 + i] = 'B'; }
static void body(void)
{
    char *held = p;
    swapcontext(&c, &m);          /* main frees p meanwhile */
    (void)held;
    first_write();                /* use after free #1, found at the yield */
    swapcontext(&c, &m);
    second_write();               /* use after free #2, another site */
    swapcontext(&c, &m);
}
int main(void)
{
    static char stack[65536];
    p = malloc(200);
    getcontext(&c);
    c.uc_stack.ss_sp = stack; c.uc_stack.ss_size = sizeof stack; c.uc_link = &m;
    makecontext(&c, body, 0);
    swapcontext(&m, &c);
    free(p);
    swapcontext(&m, &c);
    swapcontext(&m, &c);
    swapcontext(&m, &c);
    puts("done");
    return 0;
}
