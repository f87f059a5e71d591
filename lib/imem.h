/* Ward's own memory: tables, per-thread caches, quarantine batches and
 * scratch space all come from one reserved region, never from malloc, so
 * that ward never recurses into itself and the leak scanner can skip ward's
 * bookkeeping with one range check. */
#ifndef WARD_IMEM_H
#define WARD_IMEM_H

#include "common.h"

bool  imem_init(void);
void *imem_alloc(size_t size);               /* zeroed; NULL when exhausted */
void  imem_free(void *p, size_t size);
void *imem_grow(void *p, size_t old_size, size_t new_size);
bool  imem_contains(const void *p);

/* Runs fn(arg) on a fresh 1 MiB stack of ward's own memory, or on the
 * current stack if there is none left. Exit work may be called on a
 * coroutine's stack of a few KiB (exit() from a coroutine, uc_link NULL). */
void  imem_run_on_stack(void (*fn)(void *), void *arg);

/* Allow only `more` bytes beyond what is in use: a fault-injection hook
 * for tests of what ward does when its own memory runs out. */
void  imem_limit(size_t more);
void  imem_range(uintptr_t *lo, uintptr_t *hi);
void  imem_atfork_prepare(void);
void  imem_atfork_parent(void);
void  imem_atfork_child(void);

#endif
