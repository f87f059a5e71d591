/* dlclose, interposed: code it unloads leaves return addresses behind, in
 * the unwinder's rules (which must be forgotten, for other code may load
 * there) and in recorded stacks (which should still name the module).
 * The real dlclose runs as the program's own call: the destructors it runs
 * are the program's code.
 *
 * dlopen, interposed for RTLD_DEEPBIND: a library loaded so looks up its
 * own dependencies first, libc among them, and calls glibc's malloc and
 * free while libc's own strdup calls ward's: a block of one freed by the
 * other crashes the program. The flag is dropped, once said. And for
 * libdebuginfod, which libdw loads to fetch missing debug info while ward
 * writes a report: it would reach the network, and start curl, and with it
 * the program's own OpenSSL, perhaps already torn down by the program's
 * exit handlers (ssh-keygen crashed so). ward's own calls may not load it;
 * the stub returns NULL for them. glibc's dlopen finds the calling module
 * from its return address (RUNPATH, namespaces), so the stub jumps to it
 * with the caller's still in place. */
#define _GNU_SOURCE
#include "core.h"
#include "dynsym.h"
#include "next.h"
#include "report.h"
#include "symbols.h"
#include "unwind.h"

#include <dlfcn.h>
#include <errno.h>

void *ward_real_dlopen;                 /* used by the stub below */
int ward_dlopen_flags(const char *file, int flags);

/* The flags to load with, or -1: not loaded. */
int ward_dlopen_flags(const char *file, int flags)
{
    if (!ward_real_dlopen)
        ward_real_dlopen = preload_next("dlopen");
    if (wd_tls.in_ward && dynsym_named(file, "libdebuginfod"))
        return -1;
    if (!(flags & RTLD_DEEPBIND) || wd_state != WD_ACTIVE)
        return flags;
    report_warning_once("a library was loaded with RTLD_DEEPBIND, which would give it "
                        "glibc's malloc and free beside ward's; it is loaded without the "
                        "flag");
    return flags & ~RTLD_DEEPBIND;
}

__asm__(".text\n"
        ".globl dlopen\n"
        ".type dlopen, @function\n"
        "dlopen:\n"
        "    .cfi_startproc\n"
        "    push %rdi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    push %rsi\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    sub $8, %rsp\n"
        "    .cfi_adjust_cfa_offset 8\n"
        "    call ward_dlopen_flags\n"
        "    add $8, %rsp\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rsi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    pop %rdi\n"
        "    .cfi_adjust_cfa_offset -8\n"
        "    cmp $-1, %eax\n"
        "    je 1f\n"
        "    mov %eax, %esi\n"
        "    jmp *ward_real_dlopen(%rip)\n"
        "1:  xor %eax, %eax\n"
        "    ret\n"
        "    .cfi_endproc\n"
        ".size dlopen, .-dlopen\n");

typedef int (*dlclose_fn)(void *);

WD_EXPORT int dlclose(void *handle)
{
    static dlclose_fn real;
    struct sym_snapshot snap;
    if (!real)
        real = (dlclose_fn)preload_next("dlclose");
    if (wd_state != WD_ACTIVE || wd_tls.in_ward)
        return real(handle);
    int saved = errno;
    wd_tls.in_ward++;
    bool noted = sym_dlclose_before(&snap);
    wd_tls.in_ward--;
    errno = saved;
    int rc = real(handle);
    if (noted) {
        saved = errno;
        wd_tls.in_ward++;
        if (sym_dlclose_after(&snap))
            uw_forget();
        wd_tls.in_ward--;
        errno = saved;
    }
    return rc;
}
