/* A program that confines itself with a seccomp filter under which
 * opening a file kills it (as sandboxed renderers do: "kill") or fails
 * with EPERM ("errno"), then allocates on a coroutine stack ward was not
 * told of and, with "double-free", frees a block twice. ward must not open
 * anything in the middle of the run (walks of that stack go to
 * libunwind); at exit and for a report it needs /proc/self/maps and the
 * modules, and says so when they are refused.
 *
 * Usage: sandboxed kill|errno [double-free] */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "foreign_switch.h"

static void *main_sp, *co_sp;
static char *volatile keep;
static long sum;

static void body(void *arg)
{
    (void)arg;
    for (;;) {
        free(keep);
        keep = malloc(50);
        keep[0] = 1;
        sum += keep[0];
        fsw_switch(&co_sp, main_sp);
    }
}

static int confine(bool kill)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, kill ? SECCOMP_RET_KILL_PROCESS : SECCOMP_RET_ERRNO | EPERM),
    };
    struct sock_fprog prog = { sizeof f / sizeof f[0], f };
    return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
           prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv)
{
    char *m = mmap(NULL, 64 << 10, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    co_sp = fsw_make(m, 64 << 10, body, NULL);
    if (argc < 2 || confine(!strcmp(argv[1], "kill"))) {
        perror("seccomp");
        return 1;
    }
    for (int i = 0; i < 1000; i++)
        fsw_switch(&main_sp, co_sp);
    if (argc > 2 && !strcmp(argv[2], "double-free")) {
        char *p = malloc(8);
        free(p);
        free(p);
    }
    printf("sandboxed sum=%ld\n", sum);
    return 0;
}
