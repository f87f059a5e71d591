/* The index of a trace, for ward view: what it takes to show any moment of
 * a run of any length without reading it all again. One pass over the
 * trace records
 *
 *   - the timeline: the heap's largest size and block count in each of
 *     TI_BINS equal slices of the run, and which slices hold errors,
 *     coroutine switches and owner changes;
 *   - checkpoints every `interval` events: the replay's figures, tallies
 *     and pinned blocks, and where each thread's stream stands, so that
 *     any moment is at most `interval` events of replay away;
 *   - the errors in time order, and the blocks pinned after a checkpoint
 *     that they were allocated before (see rp_add_block).
 *
 * The index is kept beside the trace (TRACE.idx, mode 0600, written under
 * a temporary name and renamed, never through a symbolic link) with the
 * trace's size, modification time and a hash of its head: a trace that
 * changed, or an index that does not read back, is indexed again. When
 * it cannot be written, it is kept in memory and `note` says so.
 *
 * The file is this header, then the bins, checkpoints, errors and late
 * pins as arrays of the structs below (native byte order: an index is a
 * cache for this machine, not an exchange format), then each checkpoint's
 * state, varint-encoded and zstd-compressed. */
#ifndef WARD_TRACE_INDEX_H
#define WARD_TRACE_INDEX_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "replay.h"
#include "trace_read.h"

#define TI_MAGIC        "WARDIDX"
#define TI_VERSION      1
#define TI_BINS         2048
#define TI_MIN_INTERVAL 65536       /* events between checkpoints, at least */
#define TI_MAX_CKPTS    1024        /* beyond that the interval grows */

enum { TI_B_EVENTS = 1, TI_B_ERROR = 2, TI_B_CORO = 4, TI_B_OWNER = 8 };

struct ti_header {
    char     magic[8];
    uint32_t version, header_size;      /* header_size: sizeof(struct ti_header) */
    uint64_t trace_size, trace_mtime_ns, trace_hash, nchunks;
    uint64_t events, interval, duration;
    uint64_t peak_bytes, peak_blocks, peak_ts, peak_event;
    uint32_t nstreams, nbins, ncheckpoints, nerrors;
    uint32_t nlatepins, unused;
    uint64_t bins_off, checkpoints_off, errors_off, latepins_off, total_size;
};

struct ti_bin {
    uint64_t first;                     /* events before the slice */
    uint64_t max_bytes, max_blocks;     /* the most the heap held in it */
    uint64_t flags;                     /* TI_B_* */
};

struct ti_checkpoint {
    uint64_t event;                     /* events replayed before it */
    uint64_t last_ts;                   /* the time of the last of them (0: none) */
    uint64_t off, len;                  /* its state in the file */
    uint32_t base;                      /* the full checkpoint it adds to (itself if full) */
    uint32_t unused;
};

struct ti_error {
    uint64_t event;                     /* its place among the events */
    uint64_t ts;
    uint32_t err;                       /* index in t->errors; UINT32_MAX: not found */
    uint32_t unused;
};

struct ti_block {                       /* struct rp_block, fixed */
    uint64_t addr, size, ts;
    uint32_t stack, owner, coro, thread, pin_stack, unused;
};

struct ti_latepin {
    uint64_t event;                     /* the PIN event */
    struct ti_block b;                  /* the block as it was then */
};

static_assert(sizeof(struct ti_header) == 168, "index header layout");
static_assert(sizeof(struct ti_bin) == 32, "index bin layout");
static_assert(sizeof(struct ti_checkpoint) == 40, "index checkpoint layout");
static_assert(sizeof(struct ti_error) == 24, "index error layout");
static_assert(sizeof(struct ti_latepin) == 56, "index late pin layout");

struct ti_index {
    const struct tr_trace *t;
    const struct ti_header *h;
    const struct ti_bin *bins;
    const struct ti_checkpoint *ckpts;
    const struct ti_error *errors;
    const struct ti_latepin *latepins;
    uint8_t *image;                     /* the whole index, in memory */
    size_t size;
    bool built;                         /* made now, not read back */
    bool saved;                         /* it is (now) in a file */
    char path[4096];
    char note[512];                     /* what happened to the file, one line */
};

/* Called now and then while indexing, with how far in time it got; a
 * false return stops it. */
typedef bool (*ti_progress_fn)(void *arg, uint64_t ts, uint64_t duration);

struct ti_options {
    uint64_t interval;                  /* 0: chosen from the trace's length */
    bool rebuild;                       /* ignore an index on disk */
    bool no_save;                       /* keep it in memory */
    ti_progress_fn progress;
    void *arg;
};

/* Reads TRACE.idx, or indexes the trace (path is the file t was opened
 * from) and tries to save it. Returns 0, or -1 with a one-line message. */
int ti_open(struct ti_index *ix, const struct tr_trace *t, const char *path,
            const struct ti_options *o, char *err, size_t errlen);
void ti_close(struct ti_index *ix);

/* The last checkpoint at or before event e / whose events all happened at
 * or before ts. */
uint32_t ti_checkpoint_of_event(const struct ti_index *ix, uint64_t e);
uint32_t ti_checkpoint_of_ts(const struct ti_index *ix, uint64_t ts);

/* Sets r (uninitialised) to the replay at checkpoint k and *it to an
 * iterator at its next event. Returns -1 when out of memory or when the
 * index does not fit the trace. */
int ti_restore(const struct ti_index *ix, uint32_t k, struct replay *r, struct tr_iter **it);

/* Feeds event number e to r, first putting back a block it pins that was
 * allocated before r's checkpoint. */
void ti_apply(const struct ti_index *ix, struct replay *r, const struct tr_event *ev,
              uint64_t e);

/* The error that is event e, or -1. */
int64_t ti_error_at(const struct ti_index *ix, uint64_t e);

/* The bin of time ts. */
uint32_t ti_bin_of(const struct ti_index *ix, uint64_t ts);

#endif
