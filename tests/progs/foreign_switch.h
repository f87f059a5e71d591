/* A coroutine switch ward does not see, hand-written for x86-64 as small
 * switchers (and Perl's Coro) have it: no ucontext call, nothing
 * registered with ward.h.
 *
 * fsw_switch(&save, to) pushes the callee-saved registers, stores the
 * stack pointer in save and resumes the stack saved in to. fsw_make lays
 * out a new stack so that the first switch to it enters fsw_entry, which
 * calls fn(arg) and, like a switcher's trampoline, has no unwind
 * information. fn must never return.
 *
 * fsw_make_exit lays it out as switchers that "return" into an exit
 * function do: fn is entered with the stack's very last word as its
 * return address, and that address (fsw_exit + 1) lies in code that has
 * unwind information, whose rule reads above the stack's top. A walk must
 * stop at the top of the mapping, wherever that is now.
 *
 * fsw_on_stack and fsw_nocfi make frames a walk must go through, not stop
 * at. */
#ifndef FOREIGN_SWITCH_H
#define FOREIGN_SWITCH_H

#include <stdint.h>
#include <string.h>

void fsw_switch(void **save, void *to);
void fsw_entry(void);
void fsw_jump(void);
void fsw_exit(void);
/* Calls fn(arg) on the stack ending at top, with unwind information that
 * leads back to the caller's stack (as Rust's stacker and gcc's
 * __morestack have it; ward's own prim_call_on_stack is the same, but
 * hidden in the library). */
void fsw_on_stack(void *arg, void (*fn)(void *), void *top);
/* Calls fn() from code without unwind information that keeps a frame
 * pointer. */
void fsw_nocfi(void (*fn)(void));

__asm__(".text\n"
        ".globl fsw_switch\n"
        "fsw_switch:\n"
        "    push %rbp\n push %rbx\n push %r12\n push %r13\n push %r14\n push %r15\n"
        "    mov %rsp, (%rdi)\n"
        "    mov %rsi, %rsp\n"
        "    pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbx\n pop %rbp\n"
        "    ret\n"
        ".globl fsw_entry\n"
        "fsw_entry:\n"
        "    mov %r12, %rdi\n"
        "    call *%r13\n"
        "    ud2\n"
        ".globl fsw_jump\n"
        "fsw_jump:\n"
        "    mov %r12, %rdi\n"
        "    jmp *%r13\n"
        ".globl fsw_on_stack\n"
        "fsw_on_stack:\n"
        "    .cfi_startproc\n"
        "    push %rbp\n"
        "    .cfi_def_cfa_offset 16\n"
        "    .cfi_offset %rbp, -16\n"
        "    mov %rsp, %rbp\n"
        "    .cfi_def_cfa_register %rbp\n"
        "    mov %rdx, %rsp\n"
        "    call *%rsi\n"
        "    mov %rbp, %rsp\n"
        "    pop %rbp\n"
        "    .cfi_def_cfa %rsp, 8\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".globl fsw_nocfi\n"
        "fsw_nocfi:\n"
        "    push %rbp\n"
        "    mov %rsp, %rbp\n"
        "    call *%rdi\n"
        "    pop %rbp\n"
        "    ret\n"
        ".globl fsw_exit\n"
        "fsw_exit:\n"
        "    .cfi_startproc\n"
        "    nop\n"
        "    ud2\n"
        "    .cfi_endproc\n");

/* The first switch pops six registers (r12 = arg, r13 = fn) and returns
 * to fsw_entry with the stack 16-byte aligned for its call. */
static inline void *fsw_make(void *stack, size_t size, void (*fn)(void *), void *arg)
{
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t *sp = (uint64_t *)(top - 24 - 48);
    memset(sp, 0, 72);
    sp[2] = (uint64_t)(uintptr_t)fn;        /* r13 */
    sp[3] = (uint64_t)(uintptr_t)arg;       /* r12 */
    sp[6] = (uint64_t)(uintptr_t)fsw_entry;
    return sp;
}

/* stack + size must be 16-byte aligned and end the mapping. */
static inline void *fsw_make_exit(void *stack, size_t size, void (*fn)(void *), void *arg)
{
    uint64_t *sp = (uint64_t *)((uintptr_t)stack + size - 64);
    memset(sp, 0, 64);
    sp[2] = (uint64_t)(uintptr_t)fn;        /* r13 */
    sp[3] = (uint64_t)(uintptr_t)arg;       /* r12 */
    sp[6] = (uint64_t)(uintptr_t)fsw_jump;
    sp[7] = (uint64_t)(uintptr_t)fsw_exit + 1;
    return sp;
}

#endif
