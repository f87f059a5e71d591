/* Owners: every block belongs to a named part of the program ("cache",
 * "http-session"), the one responsible for freeing it. The name is the top
 * of the current owner stack (ward_owner_push/pop), or by default the
 * thread's name, or "main". Names are interned: a block carries a 16-bit
 * id, and a name pushed need not stay alive.
 *
 * Each owner keeps live bytes and blocks, peak bytes and total
 * allocations. Threads count into a small cache of their own and flush it
 * to the shared counters every so often, so that allocation on many
 * threads does not fight over one cache line. A thread also flushes as
 * soon as its own counts would raise the owner's peak, so the peak is
 * exact for one thread and, with several, short by at most the others'
 * unflushed counts (OWNER_FLUSH_BYTES each). */
#ifndef WARD_OWNERS_H
#define WARD_OWNERS_H

#include "common.h"
#include "fmt.h"

#define OWNER_MAIN        0         /* "main" */
#define OWNER_MAX         65535
#define OWNER_STACK_MAX   64
#define OWNER_FLUSH_BYTES (64 << 10)

struct owner_stats {
    int64_t  live_bytes, live_blocks, peak_bytes;
    uint64_t allocs;
};

/* A thread's (later a coroutine's) stack of pushed owners. */
struct owner_stack {
    uint16_t id[OWNER_STACK_MAX];
    unsigned depth;                 /* may exceed OWNER_STACK_MAX: pops match pushes */
};

/* A thread's unflushed counts, by owner (direct-mapped). */
struct owner_cache {
    struct {
        uint16_t owner;
        bool     used;
        int64_t  bytes, blocks;
        uint64_t allocs;
    } e[8];
};

bool owners_init(void);

/* The id of a name, interning it; OWNER_MAIN if the table is full (with a
 * warning). */
uint16_t owners_intern(const char *name);
const char *owners_name(uint16_t id);
uint32_t owners_count(void);

void owners_push(struct owner_stack *s, uint16_t id);
void owners_pop(struct owner_stack *s);
static inline bool owners_top(const struct owner_stack *s, uint16_t *id)
{
    if (s->depth == 0)
        return false;
    *id = s->id[(s->depth <= OWNER_STACK_MAX ? s->depth : OWNER_STACK_MAX) - 1];
    return true;
}

/* Counting: an allocation, a free, a block resized in place, a block
 * handed from one owner to another. */
void owners_count_alloc(struct owner_cache *c, uint16_t owner, uint64_t bytes);
void owners_count_free(struct owner_cache *c, uint16_t owner, uint64_t bytes);
void owners_count_resize(struct owner_cache *c, uint16_t owner, uint64_t from, uint64_t to);
void owners_count_transfer(struct owner_cache *c, uint16_t from, uint16_t to, uint64_t bytes);
void owners_flush(struct owner_cache *c);

/* The shared counters (flush the caches first for exact figures). */
struct owner_stats owners_stats(uint16_t id);

/* The live bytes of every owner together: the program's heap in use,
 * with what the threads have not flushed yet (read racily: a thread that
 * flushes meanwhile may be counted twice or not at all for that entry, up
 * to OWNER_FLUSH_BYTES). */
int64_t owners_live_bytes(void);

/* Writes every owner name known so far to the trace. */
void owners_trace_all(void);

void owners_atfork_prepare(void);
void owners_atfork_parent(void);
void owners_atfork_child(void);

/* The table printed by stats=1: the shared counters plus what the given
 * caches of other (stopped) threads have not flushed yet, added with
 * owners_add_pending. */
void owners_add_pending(const struct owner_cache *c);
void owners_print_table(fmt_t *f);

#endif
