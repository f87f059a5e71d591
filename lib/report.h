/* Error reports. Every report has one skeleton, which other tools parse:
 *
 *   ==PID== ward: ERROR: KIND on ADDR in thread T0 (main)
 *       #0 0xADDR in function file:line        (the bad operation)
 *   ADDR is ... (where the address lies)
 *   allocated by thread T0 (main) at:
 *       #0 ...
 *   freed by thread T0 (main) at:              (where known)
 *       #0 ...
 *   ==PID== ward: SUMMARY: KIND in function file:line
 *
 * Reports are formatted into a fixed buffer and written with write(2), one
 * at a time, to stderr or log_path: they may be written from inside malloc
 * or a signal handler. */
#ifndef WARD_REPORT_H
#define WARD_REPORT_H

#include "common.h"
#include "fmt.h"
#include "heap.h"

enum wd_kind {
    WK_DOUBLE_FREE,
    WK_INVALID_FREE,
    WK_USE_AFTER_FREE,
    WK_OVERFLOW,
    WK_UNDERFLOW,
    WK_LEAK,
    WK_PINNED_MOVE,
    WK_MOVED_SELF_REF,
    WK_STACK_OVERFLOW,
    WK_ALLOC_DEALLOC_MISMATCH,
    WK_NEW_DELETE_TYPE_MISMATCH,
};

const char *report_kind_name(enum wd_kind k);

struct wd_err {
    enum wd_kind kind;
    bool     warning;       /* WARNING: instead of ERROR: (heuristics) */
    uintptr_t addr;         /* the address the operation used */
    const char *op;         /* "free", "realloc", ... */
    uint32_t op_stack;
    uint32_t op_ctx;
    const struct wd_block *blk; /* the block involved, or NULL */
    const char *note;       /* more explanation (may hold newlines), or NULL */
    uint32_t note_stack;    /* a stack the note ends by introducing */
    const char *also;       /* a further stack's title ("pinned by ward_pin at:") */
    uint32_t also_stack;
    bool     fatal;         /* the process dies after it: never suppressed */
};

/* Writes the report, counts the error and, with halt_on_error, exits. */
void report_error(const struct wd_err *e);

/* "==PID== ward: WARNING: msg", once per message (by address). */
void report_warning_once(const char *msg);

/* "==PID== ward: msg" on stderr; for messages before options are known. */
void report_message(const char *msg);

/* Keeps a copy of stderr for reports, made at start (see report.c). */
void report_keep_stderr(void);

/* Suppressions (suppress.h): the rule that suppresses a report of kind
 * with this stack, counting the hit, or -1 (under report_open; bytes: a
 * leak's, for the tally); and the table of the rules used, at exit. */
int  report_suppressing_rule(unsigned kind, uint32_t stack, uint64_t bytes);
void report_suppressions_used(void);

/* For reports written in parts (the leak report): report_open takes the
 * report lock and returns the output; the helpers append to it. */
fmt_t *report_open(void);
void report_close(fmt_t *f);
void report_prefix(fmt_t *f);                   /* "==PID== ward: " */
void report_stack(fmt_t *f, uint32_t stack);    /* "    #N 0x... in f file:line" */
void report_ctx(fmt_t *f, uint32_t ctx);        /* "thread T0 (main)" */
struct rt_ctx report_rt_ctx(uint32_t ctx);
struct rt_report;
/* Writes a report (and records it in the trace); under report_open. */
void report_write(fmt_t *f, const struct rt_report *r);
void report_count_error(void);

/* Whether the calling thread is writing a report (a fault then is
 * ward's own). */
bool report_in_progress(void);

/* Errors reported so far (warnings excluded). */
unsigned long report_error_count(void);

/* Ends the process after a fatal error: the trace is flushed first. */
void report_die(void) __attribute__((noreturn));

void report_atfork_prepare(void);
void report_atfork_parent(void);
void report_atfork_child(void);

#endif
