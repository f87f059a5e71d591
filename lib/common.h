/* Definitions every ward source file shares: export control, branch hints
 * and the handful of integer helpers the allocator uses everywhere. */
#ifndef WARD_COMMON_H
#define WARD_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* The library is built with -fvisibility=hidden; only the interposed
 * symbols and the API table carry this. */
#define WD_EXPORT __attribute__((visibility("default")))

#define WD_LIKELY(x)   __builtin_expect(!!(x), 1)
#define WD_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define WD_NOINLINE    __attribute__((noinline))
/* Reporting paths: out of line, so that their buffers stay off the stack
 * of the common path (which may run on a coroutine's stack of 3 KiB). */
#define WD_COLD        __attribute__((cold, noinline))
#define WD_UNUSED      __attribute__((unused))
/* Code whose reads may fault on purpose (wd_tls.probe, see fault.c): in a
 * section of its own, so that the SIGSEGV handler jumps back for a fault
 * there and for no other, such as one in a signal handler that interrupted
 * the read. */
#define WD_PROBED      __attribute__((noinline, section("ward_probed")))

#define WD_ALIGN_UP(x, a)   (((x) + ((a) - 1)) & ~((uintptr_t)(a) - 1))
#define WD_ALIGN_DOWN(x, a) ((x) & ~((uintptr_t)(a) - 1))
#define WD_ARRAY_LEN(a)     (sizeof(a) / sizeof((a)[0]))

#define WD_PAGE 4096UL

/* Thread-local storage for the preload library must never trigger a lazy
 * TLS allocation (that would call malloc from inside malloc). */
#define WD_TLS __thread __attribute__((tls_model("initial-exec")))

#endif
