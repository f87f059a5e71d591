/* The state of a trace at ward view's cursor: the replay after the first
 * `cur` events (lib/replay.c, so figures mean what `ward report` says),
 * the events just before the cursor and those just after it. Moving the
 * cursor restores the nearest checkpoint of the index and replays from
 * there, so any move costs at most one checkpoint interval of events;
 * stepping forward costs one. */
#ifndef WARD_VIEW_MODEL_H
#define WARD_VIEW_MODEL_H

#include "trace_index.h"

#include <stdio.h>

#define VM_BEHIND 64                /* events kept from before the cursor */
#define VM_AHEAD  64                /* and read ahead of it */

struct vm_event {
    uint64_t n;                     /* its number, from 0 */
    struct tr_event ev;             /* str and err cleared */
    char text[72];                  /* the name it gives, or the error's kind */
    int64_t err;                    /* TR_ERROR: its index among ix's errors; else -1 */
};

struct vm_ring {                    /* the last n events, next goes at head */
    struct vm_event e[VM_BEHIND];
    uint32_t n, head;
};

struct vm {
    const struct tr_trace *t;
    const struct ti_index *ix;
    struct replay r;                /* after `cur` events */
    struct tr_iter *it;             /* at event cur + nahead */
    uint64_t cur;
    struct vm_ring behind;          /* the events before the cursor */
    struct vm_event ahead[VM_AHEAD];    /* a queue: the next nahead events */
    uint32_t nahead, hahead;            /* hahead: its head */
    bool ready;                     /* r and it are valid */
    char err[256];
};

/* Opens at event 0. Returns -1 with m->err set. */
int  vm_open(struct vm *m, const struct tr_trace *t, const struct ti_index *ix);
void vm_close(struct vm *m);

uint64_t vm_events(const struct vm *m);

/* Moves the cursor to just after `e` events (at most all of them).
 * Returns 0, or -1 with m->err set (out of memory, a damaged index, or
 * interrupted by a signal: then the cursor is where it was). */
int vm_seek(struct vm *m, uint64_t e);
int vm_step(struct vm *m);          /* one forward; 1 at the end */

/* The event i places before the cursor (0: the last one replayed, event
 * cur - 1) or after it (0: event cur); NULL beyond what is kept. */
const struct vm_event *vm_behind(const struct vm *m, uint32_t i);
const struct vm_event *vm_ahead(const struct vm *m, uint32_t i);

/* How many events happened at or before ts; -1 on failure. */
int64_t vm_count_until(struct vm *m, uint64_t ts);

/* The first (or, with last, the last) event in [from, to) that match
 * accepts, into *found. Returns 1 found, 0 not, -1 on failure. */
typedef bool (*vm_match_fn)(const struct tr_event *ev, void *arg);
int vm_find(struct vm *m, uint64_t from, uint64_t to, bool last, vm_match_fn match, void *arg,
            uint64_t *found);

/* --check: compares the index with a full replay (every checkpoint and a
 * moment after each) and times random seeks; prints what it found and
 * returns 0 if all is equal, else 1. */
int vm_check(const struct tr_trace *t, const struct ti_index *ix, FILE *out);

/* Set by a signal handler: long replays stop when they see it. */
extern volatile int vm_stop;

#endif
