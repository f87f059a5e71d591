/* Recording a trace (option trace=PATH): every event goes into its
 * thread's buffer (no lock); full buffers go to a writer thread that
 * compresses each into one zstd frame and writes it, so compression never
 * runs on the program's threads. Buffering is bounded: when the writer
 * falls behind, a thread with a full buffer waits for a free one. The
 * format is trace_format.h. */
#ifndef WARD_TRACE_WRITE_H
#define WARD_TRACE_WRITE_H

#include "common.h"

struct rt_report;

/* Whether a trace is being written; checked before every event. */
extern bool trace_on;

/* Opens the file, writes the header and the module map, starts the
 * writer. On failure returns false with a one-line reason. */
bool trace_start(char *err, size_t errlen);

/* At exit: collect every thread's buffer (other threads stopped), then
 * write the end record and everything buffered, and close. */
void trace_collect_all(void);
void trace_stop(void);

/* A fatal signal: write what can be written; no end record. */
void trace_crash_flush(void);

/* Around exec: the trace is written and ended; if exec fails, the end is
 * taken back and tracing goes on. */
void trace_before_exec(void);
void trace_exec_failed(void);

/* _exit or quick_exit: everything buffered, then the end record. */
void trace_end_now(void);

/* The thread is ending: its buffer goes to the writer, and later events
 * of it (from other destructors) go out one by one. */
void trace_thread_end(void);

/* The child of a fork writes its own trace. */
void trace_atfork_child(void);

/* Writes the module map (again: libraries come and go). */
void trace_modules(void);

/* Events. */
void trace_alloc(uintptr_t addr, uint64_t size, uint32_t stack, uint16_t owner, unsigned flags);
void trace_free(uintptr_t addr, uint32_t stack, uint64_t size, uint32_t alloc_stack,
                uint16_t owner, uint32_t alloc_coro);
void trace_realloc(uintptr_t old, uintptr_t new_addr, uint64_t size, uint32_t stack,
                   uint16_t owner, uint64_t old_size, uint32_t old_stack, uint32_t old_coro);
void trace_pin(uintptr_t addr, uint32_t stack);
void trace_unpin(uintptr_t addr);
void trace_owner_push(uint16_t owner);
void trace_owner_pop(void);
void trace_owner_set(uintptr_t addr, uint64_t size, uint16_t from, uint16_t to);
void trace_owner_def(uint16_t id, const char *name);
void trace_stack_def(uint32_t id, const uintptr_t *pcs, unsigned n);
void trace_thread_start(uint32_t parent, uint32_t create_stack);
void trace_thread_name(uint32_t thread, const char *name);
void trace_coro_create(uint32_t coro, uintptr_t stack_lo, uint64_t size, uint32_t make_stack);
void trace_coro_switch(uint32_t to, uint32_t yield_stack);
void trace_coro_name(uint32_t coro, const char *name);
void trace_coro_exit(uint32_t coro, int64_t live_bytes, int64_t live_blocks);
void trace_error(const struct rt_report *r);

#endif
