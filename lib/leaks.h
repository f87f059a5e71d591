/* Leak detection at exit, as LeakSanitizer does it: stop the other
 * threads, mark every live block reachable from the roots (writable static
 * memory of every module, each thread's live stack, registers and TLS, and
 * other writable private mappings, which is where custom arenas keep
 * their pointers), then report the unmarked ones grouped by allocation
 * stack, largest first. */
#ifndef WARD_LEAKS_H
#define WARD_LEAKS_H

#include "common.h"

struct leak_totals {
    uint64_t leaked_bytes, leaked_blocks;
    uint64_t reachable_bytes, reachable_blocks;
    uint64_t groups;
};

/* The scan runs with the other threads stopped (world_stop); the report,
 * which may need locks they hold, once they run again. sp is the calling
 * thread's stack pointer where the program called into ward: the scan
 * itself may run on a stack of ward's own. */
void leaks_scan(uintptr_t sp);
struct leak_totals leaks_report(void);

/* The same for one finished coroutine: only the blocks it allocated are
 * reported (and not again at exit), and its dead stack [dead_lo, dead_hi)
 * is no root. */
void leaks_scan_coro(uint32_t coro, uintptr_t dead_lo, uintptr_t dead_hi, uintptr_t sp);
void leaks_report_coro(uint32_t coro);

#endif
