/* glibc's heap statistics, answered from ward's heap. glibc's own would
 * describe its arena, which ward leaves empty: a program that watches its
 * memory with mallinfo2 (or a test that checks it comes back to where it
 * was) would read near zero under ward. As under Valgrind, these report
 * what the program holds: uordblks the bytes of its live blocks,
 * fordblks what ward keeps freed in the quarantine, arena both. ward
 * allocates nothing from glibc's arena, so the counts of glibc's bins and
 * mappings are 0. */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "owners.h"
#include "quarantine.h"
#include "threads.h"

#include <malloc.h>
#include <stdio.h>

static struct mallinfo2 usage(void)
{
    struct mallinfo2 mi = { 0 };
    wd_tls.in_ward++;
    int64_t bytes = owners_live_bytes();
    wd_tls.in_ward--;
    mi.uordblks = bytes > 0 ? (size_t)bytes : 0;
    mi.fordblks = (size_t)quarantine_bytes();
    mi.arena = mi.uordblks + mi.fordblks;
    return mi;
}

WD_EXPORT struct mallinfo2 mallinfo2(void)
{
    if (wd_state != WD_ACTIVE) {
        struct mallinfo2 (*real)(void) = (struct mallinfo2 (*)(void))preload_next("mallinfo2");
        return real ? real() : (struct mallinfo2){ 0 };
    }
    return usage();
}

/* The old interface has int fields; glibc's wraps them. */
WD_EXPORT struct mallinfo mallinfo(void)
{
    if (wd_state != WD_ACTIVE) {
        struct mallinfo (*real)(void) = (struct mallinfo (*)(void))preload_next("mallinfo");
        return real ? real() : (struct mallinfo){ 0 };
    }
    struct mallinfo2 m = usage();
    return (struct mallinfo){ .arena = (int)m.arena, .uordblks = (int)m.uordblks,
                              .fordblks = (int)m.fordblks };
}

/* glibc's format, one arena. */
WD_EXPORT void malloc_stats(void)
{
    if (wd_state != WD_ACTIVE) {
        void (*real)(void) = (void (*)(void))preload_next("malloc_stats");
        if (real)
            real();
        return;
    }
    struct mallinfo2 m = usage();
    fprintf(stderr, "Arena 0:\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
            "Total (incl. mmap):\nsystem bytes     = %10zu\nin use bytes     = %10zu\n"
            "max mmap regions = %10u\nmax mmap bytes   = %10lu\n",
            m.arena, m.uordblks, m.arena, m.uordblks, 0u, 0ul);
}
