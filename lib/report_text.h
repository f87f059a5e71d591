/* The text of a report, one skeleton for every kind, written the same way
 * by the traced process and by `ward report` reading a trace: both fill a
 * struct rt_report, each with its own way to print a stack.
 *
 *   PREFIX ERROR: KIND on ADDR (OP) in thread T0 (main), coroutine 2 (x)
 *       #0 ...                          (the stack of the operation)
 *   WHERE                               (where ADDR lies)
 *   NOTE                                (more, if any)
 *       #0 ...                          (a stack the note introduces)
 *   allocated by CTX at:
 *       #0 ...
 *   ALSO                                (a further stack's title, if any)
 *       #0 ...
 *   freed by CTX at:                    (when the block was freed before)
 *       #0 ...
 *   PREFIX SUMMARY: KIND in FUNC FILE:LINE
 *
 * A leak is shorter: "ERROR: leak of B bytes in N blocks, owner "X"", then
 * "allocated by CTX at:" and its stack. */
#ifndef WARD_REPORT_TEXT_H
#define WARD_REPORT_TEXT_H

#include "common.h"
#include "fmt.h"
#include "symbols.h"

enum { RT_LEAK = 5 };               /* the kind numbers are enum wd_kind's */

struct rt_ctx {
    bool known;
    uint32_t thread;
    const char *thread_name;        /* NULL: unnamed */
    uint32_t coro;                  /* 0: the thread's own stack */
    const char *coro_name;
};

struct rt_report {
    unsigned kind;
    bool     warning;
    uint64_t addr;
    const char *op;
    struct rt_ctx op_ctx;
    uint32_t op_stack;
    const char *where;              /* one line: where addr lies */
    const char *note;               /* NULL: none */
    uint32_t note_stack;
    uint32_t alloc_stack;           /* 0: no allocation section */
    struct rt_ctx alloc_ctx;
    const char *also;               /* NULL: none */
    uint32_t also_stack;
    uint32_t free_stack;            /* 0: no free section */
    struct rt_ctx free_ctx;
    /* the block, for the trace; and for leaks, the group */
    uint64_t block, size;
    uint32_t owner;
    const char *owner_name;
    uint64_t leak_bytes, leak_blocks;
    bool     indirect, many_threads, many_coros;
};

struct rt_out {
    fmt_t *f;
    const char *prefix;             /* "==PID== ward: " */
    void (*stack)(void *arg, fmt_t *f, uint32_t stack);
    /* frame 0 of a stack, for the summary line; false if unknown */
    bool (*top)(void *arg, uint32_t stack, struct sym_frame *frame);
    void *arg;
};

const char *rt_kind_name(unsigned kind);
void rt_ctx_text(fmt_t *f, const struct rt_ctx *c);
void rt_where_block(fmt_t *f, uint64_t addr, uint64_t user, uint64_t size, const char *owner,
                    bool pinned, bool freed);
void rt_frame(fmt_t *f, unsigned idx, uintptr_t pc, const struct sym_frame *sf);
void rt_print(const struct rt_out *o, const struct rt_report *r);

#endif
