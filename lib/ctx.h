/* Execution contexts: a (thread, coroutine) pair, interned as a 32-bit id
 * that block metadata records for its allocation and its free. Coroutine
 * 0 is the thread's own stack. A coroutine resumed on another thread gets
 * a new pair, so a report always names the thread that really ran it. */
#ifndef WARD_CTX_H
#define WARD_CTX_H

#include "common.h"

#define CTX_NONE UINT32_MAX

struct ctx_pair {
    uint32_t thread;
    uint32_t coro;
};

bool ctx_init(void);
uint32_t ctx_intern(uint32_t thread, uint32_t coro);
struct ctx_pair ctx_get(uint32_t ctx);

/* Once enough pairs exist: gives back the ids of pairs that are gone(pair)
 * (their thread's or coroutine's record went) and that no block names, for
 * new pairs to take. A given-back id reads as no context. Scans every
 * block: other threads may run. */
void ctx_collect(bool (*gone)(struct ctx_pair p));
/* Pairs in use (for tests and stats). */
uint32_t ctx_live(void);

void ctx_atfork_prepare(void);
void ctx_atfork_parent(void);
void ctx_atfork_child(void);

#endif
