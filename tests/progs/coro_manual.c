/* A hand-written context switcher (no ucontext), told to ward through
 * ward.h: register, switch, exit. argv[1] picks a bug: "uaf" (a coroutine
 * keeps a block across a yield while the main stack frees it, then reads
 * it) or "overflow" (a coroutine recurses off its stack). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ward.h"

/* switch_to(&save_sp, new_sp): saves callee-saved registers on the
 * current stack, stores its sp, loads the other one. */
void switch_to(void **save, void *to);
__asm__(".text\n.globl switch_to\nswitch_to:\n"
        "  push %rbp\n  push %rbx\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
        "  mov %rsp, (%rdi)\n  mov %rsi, %rsp\n"
        "  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbx\n  pop %rbp\n"
        "  ret\n");

static void *main_sp, *coro_sp;
static int coro_id;
static const char *bug = "";
static char *shared;
static volatile int sink;

static void yield_to_main(void)
{
    ward_coro_switch(0);
    switch_to(&coro_sp, main_sp);
}

static void resume_coro(void)
{
    ward_coro_switch(coro_id);
    switch_to(&main_sp, coro_sp);
}

__attribute__((noinline)) static int deep(int n)
{
    volatile char pad[512];
    pad[0] = (char)n;
    return deep(n + 1) + pad[0];
}

static void coro_main(void)
{
    ward_coro_name("reader");
    char *held = shared;
    yield_to_main();                    /* main frees `shared` meanwhile */
    if (!strcmp(bug, "uaf"))
        sink = held[1];
    if (!strcmp(bug, "overflow"))
        deep(0);
    ward_coro_exit(coro_id);
    yield_to_main();
    abort();                            /* never resumed */
}

int main(int argc, char **argv)
{
    if (argc > 1)
        bug = argv[1];
    size_t size = 64 * 1024;
    char *stack = malloc(size);
    /* The initial frame: six callee-saved registers, then the entry. */
    void **sp = (void **)(((uintptr_t)(stack + size) & ~(uintptr_t)15) - 8);
    *--sp = (void *)coro_main;
    for (int i = 0; i < 6; i++)
        *--sp = 0;
    coro_sp = sp;
    coro_id = ward_coro_register("reader", stack, size);
    printf("registered %s\n", coro_id > 0 ? "yes" : "no");
    shared = malloc(32);
    strcpy(shared, "shared data");
    resume_coro();                      /* runs until its first yield */
    free(shared);
    resume_coro();                      /* the coroutine uses it, then ends */
    free(stack);
    printf("done\n");
    return 0;
}
