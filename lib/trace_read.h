/* Reading a trace (the format is trace_format.h). Opening makes one pass
 * over the file that checks every frame and record, gathers the
 * definitions (stacks, owners, modules, names), the errors and the list of
 * chunks; iterating then merges the threads' chunks by time, decompressing
 * one chunk per thread at a time, so a trace of any length streams in
 * bounded memory. Malformed input is rejected with a one-line message; a
 * trace cut short is read up to its last complete frame and says so. */
#ifndef WARD_TRACE_READ_H
#define WARD_TRACE_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report_text.h"
#include "trace_format.h"

struct tr_stack {
    uint32_t n;
    const uint64_t *frames;
};

struct tr_module {
    const char *path;
    uint64_t bias, lo, hi;
    const uint8_t *build_id;
    uint32_t build_id_len;
    uint32_t map;               /* which map it belongs to (see tr_modules_at) */
    uint64_t ts;                /* when that map was written */
};

/* An error as recorded (see trace_format.h); names in r are filled in by
 * tr_error_names. */
struct tr_error {
    uint64_t ts;
    uint32_t thread, coro;      /* who recorded it */
    struct rt_report r;
};

struct tr_event {
    uint8_t  type;              /* enum tr_type */
    uint64_t ts;                /* ns since the trace started */
    uint32_t thread;            /* T number */
    uint32_t coro;              /* the coroutine the thread ran then */
    uint64_t addr, addr2, size, size2;
    uint32_t stack, stack2;
    uint32_t owner, owner2;
    uint32_t coro2;
    uint32_t flags;
    int64_t  n1, n2;
    const char *str;            /* names; valid until the next event */
    const struct tr_error *err; /* TR_ERROR */
};

struct tr_chunk {
    uint64_t offset, csize;     /* the frame in the file */
    uint32_t thread;
    uint64_t seq, base_ts, last_ts;
    uint32_t start_coro;        /* the coroutine the thread ran at its start */
    uint64_t events;
};

/* A name and when it was given: threads and coroutines may be renamed. */
struct tr_name {
    uint64_t ts;
    const char *name;
};

struct tr_thread {
    const char *name;           /* the last given; NULL: unnamed */
    uint64_t name_ts;
    struct tr_name *names;      /* every one, in no particular order */
    uint32_t nnames;
    uint32_t parent;            /* T number + 1; 0: none */
    uint32_t create_stack;
    uint64_t start_ts, end_ts;
    bool     seen;
};

struct tr_coro {
    const char *name;           /* the last given */
    uint64_t name_ts;
    struct tr_name *names;
    uint32_t nnames;
    uint32_t thread;            /* the thread that made it */
    uint64_t stack_lo, stack_size;
    uint32_t make_stack;
    bool     seen;
};

struct tr_trace {
    /* from the header */
    uint64_t pid, ppid, realtime0;
    const char *program, *cmdline;
    /* what the reading found */
    bool     ended;             /* the process wrote its end record */
    bool     truncated;         /* cut short: read up to the last complete frame */
    char     why[256];          /* why, when truncated */
    uint64_t duration;          /* last timestamp */
    uint64_t events;
    /* definitions, indexed by id */
    struct tr_stack *stacks;   uint32_t nstacks;
    const char **owners;       uint32_t nowners;
    struct tr_thread *threads; uint32_t nthreads;
    struct tr_coro *coros;     uint32_t ncoros;
    struct tr_module *modules; uint32_t nmodules;
    uint32_t nmaps;             /* module maps written (one per reset) */
    struct tr_error *errors;   uint32_t nerrors;
    struct tr_chunk *chunks;   uint32_t nchunks;   /* by thread, then seq */
    /* storage */
    const uint8_t *data;
    size_t size;
    bool mapped;
    struct tr_mem *mem;
};

/* Opens a trace file, or a trace in memory (not copied). Returns 0, or -1
 * with a one-line message in err. */
int tr_open(struct tr_trace *t, const char *path, char *err, size_t errlen);
int tr_open_mem(struct tr_trace *t, const void *data, size_t size, char *err, size_t errlen);
void tr_close(struct tr_trace *t);

const char *tr_owner_name(const struct tr_trace *t, uint32_t id);
const char *tr_thread_name(const struct tr_trace *t, uint32_t thread);
const char *tr_coro_name(const struct tr_trace *t, uint32_t coro);
/* Fills the thread, coroutine and owner names of a recorded report, as
 * they were when it was reported (at ts). */
void tr_error_names(const struct tr_trace *t, uint64_t ts, struct rt_report *r);

/* The modules in effect at time ts, as a sym_module array (see
 * symbols.h); returns their count. */
struct sym_module;
uint32_t tr_modules_at(const struct tr_trace *t, uint64_t ts, struct sym_module *out, uint32_t max);
/* The same, followed by the modules unloaded before ts (newest first,
 * where nothing took their place), for stacks recorded earlier. */
uint32_t tr_modules_ever(const struct tr_trace *t, uint64_t ts, struct sym_module *out,
                         uint32_t max);

/* Events in time order, from the first at or after from_ts (0: all). */
struct tr_iter;
struct tr_iter *tr_iter_new(const struct tr_trace *t, uint64_t from_ts);
bool tr_iter_next(struct tr_iter *it, struct tr_event *ev);
void tr_iter_free(struct tr_iter *it);

/* A place in the merged order, to come back to later (ward view's
 * checkpoints): for each thread's stream, the record it gives next. An
 * iterator has one stream per thread that wrote chunks, in thread order. */
struct tr_spos {
    uint32_t chunk;             /* index in t->chunks; past the thread's last: done */
    uint32_t off;               /* of the record in the chunk's records */
    uint64_t ts;                /* the thread's time before that record */
    uint32_t coro;              /* the coroutine the thread runs then */
};

uint32_t tr_iter_streams(const struct tr_iter *it);
/* Fills pos[0 .. tr_iter_streams) with where the iterator stands: the next
 * tr_iter_next gives the event after the last one handed out, which (with
 * its strings) is no longer valid. */
void tr_iter_tell(struct tr_iter *it, struct tr_spos *pos);
/* An iterator that goes on from pos (as tr_iter_tell filled it, n
 * streams), giving the same events in the same order as the one that
 * told. NULL when out of memory or when pos does not fit the trace. */
struct tr_iter *tr_iter_resume(const struct tr_trace *t, const struct tr_spos *pos, uint32_t n);

#endif
