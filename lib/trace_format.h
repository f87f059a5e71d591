/* The trace format: the single definition of what an event is, for the
 * writer (inside the traced process) and the reader (ward report, ward
 * view). docs/trace-format.md describes it for other readers.
 *
 * A trace file is a sequence of standard zstd frames; `zstd -dc` gives the
 * event stream. The stream is a sequence of chunks, each the content of
 * one frame:
 *
 *   chunk   := magic "WTRC" version:u8 thread:varint seq:varint
 *              base_ts:u64le nbytes:varint record*      (nbytes of records)
 *   record  := type:u8 dts:varint fields...
 *
 * A chunk holds the records of one thread, in that thread's order; a
 * thread's chunks carry increasing seq. Event timestamps are deltas
 * (varint, in ns) from the previous event of the chunk, the first from
 * base_ts (ns since the trace started). Readers merge threads by
 * timestamp. Definitions (stacks, owners, modules, names) may appear in
 * any chunk, always before, in time, any event that uses them.
 *
 * Integers are unsigned LEB128 varints unless said otherwise; signed ones
 * are zigzag-encoded; addresses are varints. Strings are a varint length
 * then the bytes, no terminator. */
#ifndef WARD_TRACE_FORMAT_H
#define WARD_TRACE_FORMAT_H

#include <assert.h>
#include <stdint.h>

#define TR_MAGIC        "WTRC"
#define TR_VERSION      1
#define TR_CHUNK_MAX    (256u << 10)    /* records of one chunk, at most */
#define TR_MAX_FRAMES   64              /* frames of one stack, at most */
#define TR_MAX_STRING   4096
/* Thread and coroutine numbers a trace may hold: readers keep a table
 * indexed by number, so a traced process follows no more (an untraced one
 * numbers up to INT32_MAX). */
#define TR_MAX_THREAD   (1u << 20)
#define TR_MAX_CORO     (1u << 22)

enum tr_type {
    /* Once per trace, in the first chunk. */
    TR_HEADER = 1,      /* pid:v ppid:v realtime_ns_at_0:v page:v program:s cmdline:s */
    TR_END,             /* events:v  (clean exit; missing: truncated) */

    /* Definitions. */
    TR_STACK,           /* id:v n:v frame0:v (frame_i - frame_{i-1}):zigzag ... */
    TR_OWNER,           /* id:v name:s */
    TR_MODULE,          /* path:s bias:v lo:v hi:v build_id:s (raw bytes) */
    TR_MODULES_RESET,   /* a new module map follows (after dlopen/dlclose) */

    /* Events of the chunk's thread. Every record has its dts. */
    TR_ALLOC,           /* addr:v size:v stack:v owner:v flags:v */
    TR_FREE,            /* addr:v stack:v size:v alloc_stack:v owner:v alloc_coro:v */
    TR_REALLOC,         /* old:v new:v size:v stack:v owner:v old_size:v old_stack:v
                           old_coro:v  (free of old and alloc of new, one step;
                           old == new: resized in place) */
    TR_PIN,             /* addr:v stack:v */
    TR_UNPIN,           /* addr:v */
    TR_OWNER_PUSH,      /* owner:v */
    TR_OWNER_POP,       /* */
    TR_OWNER_SET,       /* addr:v size:v from:v to:v */
    TR_THREAD_START,    /* parent:v(+1, 0 none) create_stack:v */
    TR_THREAD_NAME,     /* thread:v name:s */
    TR_THREAD_END,      /* */
    TR_CORO_CREATE,     /* coro:v stack_lo:v stack_size:v make_stack:v */
    TR_CORO_SWITCH,     /* to:v yield_stack:v  (this thread now runs coroutine `to`) */
    TR_CORO_NAME,       /* coro:v name:s */
    TR_CORO_EXIT,       /* coro:v live_bytes:zigzag live_blocks:zigzag */
    TR_ERROR,           /* the fields below, in order */

    TR_TYPE_COUNT
};

/* Flags of TR_ALLOC. */
enum { TR_F_PINNED = 1, TR_F_GUARDED = 2 };

/* An error report (struct rt_report, see report_text.h), enough to print
 * it again the same way:
 *   kind:v warning:v addr:v op:s op_stack:v op_ctx where:s note:s
 *   note_stack:v alloc_stack:v alloc_ctx also:s also_stack:v free_stack:v
 *   free_ctx block:v size:v owner:v leak_bytes:v leak_blocks:v bits:v
 * A ctx is thread:v (T number + 1; 0: unknown) coro:v. bits: 1 indirect,
 * 2 many threads (leaks). kind numbers the report kinds in this order:
 * double-free, invalid-free, use-after-free, heap-buffer-overflow,
 * heap-buffer-underflow, leak, pinned-move, moved-self-reference,
 * stack-overflow, alloc-dealloc-mismatch, new-delete-type-mismatch. Stack
 * ids 0 mean none. */
enum { TR_NONE_ID = 0 };

static_assert(TR_TYPE_COUNT < 128, "record types fit in a byte with room to grow");

#endif
