/* Replaying a trace: the live heap and what it adds up to, event by event.
 * `ward report` and `ward view` both feed events through here, so "live
 * heap by owner at time t" means one thing everywhere. */
#ifndef WARD_REPLAY_H
#define WARD_REPLAY_H

#include "trace_read.h"

struct rp_block {
    uint64_t addr, size;
    uint64_t ts;                /* when it was allocated */
    uint32_t stack, owner, coro, thread;
    uint32_t pin_stack;         /* 0: not pinned */
};

struct rp_tally {               /* for a site, an owner or a coroutine */
    uint64_t live_bytes, live_blocks;
    uint64_t peak_bytes;        /* its own peak */
    uint64_t allocs, total_bytes;
};

struct replay {
    const struct tr_trace *t;
    uint64_t ts, events;
    uint64_t live_bytes, live_blocks;
    uint64_t peak_bytes, peak_blocks, peak_ts;
    uint64_t allocs, frees, reallocs, total_bytes;
    uint64_t pinned_live;
    struct rp_tally *sites;     /* by stack id, t->nstacks of them */
    struct rp_tally *owners;    /* by owner id */
    struct rp_tally *coros;     /* by coroutine id; 0: threads' own stacks */
    uint32_t nsites, nowners, ncoros;
    /* live blocks: open addressing by address, with tombstones */
    struct rp_block *blocks;
    uint64_t cap, used, tombs;
    bool failed;                /* out of memory: figures are incomplete */
};

int  rp_init(struct replay *r, const struct tr_trace *t);
void rp_free(struct replay *r);
void rp_event(struct replay *r, const struct tr_event *ev);

/* rp_init, then every event of t from the start; -1 when memory ran out
 * (r is to be freed either way). */
int  rp_replay_all(struct replay *r, const struct tr_trace *t);

/* Calls fn for every live block. */
void rp_foreach(const struct replay *r, void (*fn)(const struct rp_block *b, void *arg),
                void *arg);

/* For checkpoints (ward view): a replay goes on exactly from its scalars,
 * its tallies and its pinned blocks, since a free names what it frees.
 * Only pins of blocks allocated before the checkpoint need more: the
 * block, given back with rp_add_block before its PIN event. */
enum rp_kind { RP_SITES, RP_OWNERS, RP_COROS };

/* The tally of id (ids the trace never defined share tally 0, as in
 * rp_event); NULL when out of memory. */
struct rp_tally *rp_tally_at(struct replay *r, enum rp_kind kind, uint32_t id);
/* The live block at addr, or NULL. */
const struct rp_block *rp_block_at(const struct replay *r, uint64_t addr);
/* Puts back a live block as it was; counts nothing (pinned_live
 * included). Returns -1 when out of memory. */
int rp_add_block(struct replay *r, const struct rp_block *b);

#endif
