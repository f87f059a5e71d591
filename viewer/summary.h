/* What `ward report` says about a trace, computed once and printed as text
 * or JSON: totals, the peak, top allocation sites, owners, coroutines,
 * pinned blocks and errors. */
#ifndef WARD_SUMMARY_H
#define WARD_SUMMARY_H

#include "replay.h"
#include "symbols.h"
#include "trace_read.h"

struct site {
    uint32_t stack;
    uint64_t peak_bytes, peak_blocks;   /* live at the global peak */
    uint64_t leaked_bytes, leaked_blocks; /* never freed */
    uint64_t calls, total_bytes;
};

struct summary {
    struct tr_trace *t;
    struct replay end;                  /* the replay to the last event */
    struct site *sites;
    uint32_t nsites;
    struct site **by_peak, **by_leaked, **by_calls;
    uint32_t top;                       /* entries shown per list */
    struct rp_block *pinned;
    uint32_t npinned;
    struct wd_symbolizer *sym;
};

/* Replays the trace (twice: the second time stops at the peak to see what
 * each site held then). Returns -1 with a message when out of memory. */
int summary_build(struct summary *s, struct tr_trace *t, uint32_t top, char *err, size_t errlen);
void summary_free(struct summary *s);

/* Stack frames, symbolized with the trace's module map. */
int summary_frames(struct summary *s, uint32_t stack, uint32_t max, uintptr_t *pcs,
                   struct sym_frame *frames);

/* Prints a stack the way reports do ("    #0 0x... in f file:line"). */
void summary_print_stack(void *arg, fmt_t *f, uint32_t stack);
bool summary_top_frame(void *arg, uint32_t stack, struct sym_frame *frame);

#endif
