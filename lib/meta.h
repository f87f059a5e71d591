/* What ward knows about each block, kept out of band (never next to the
 * block, where the program could overwrite it): 32 bytes a slot, so a
 * segment's metadata stays dense and cache-friendly. */
#ifndef WARD_META_H
#define WARD_META_H

#include <assert.h>
#include "common.h"

enum blk_state {
    BS_FREE = 0,        /* never used */
    BS_LIVE,            /* handed to the program */
    BS_QUAR,            /* freed: in quarantine, or since back in the pool
                           (the history stays until the slot is reused) */
    BS_BUSY,            /* being placed or freed: its bytes are in flux.
                           Checks at exit skip it, for its thread may have
                           been stopped half-way, or left behind by fork */
};

enum blk_flag {
    BF_INTERNAL = 1u << 0,   /* allocated by a library ward itself called */
    BF_PINNED   = 1u << 1,   /* must not move (ward_pin, coroutine stack) */
    BF_GUARDED  = 1u << 2,   /* has pages of its own between guard pages */
    BF_MARK     = 1u << 3,   /* leak scan: reachable */
    BF_INDIRECT = 1u << 4,   /* leak scan: reached only from leaked blocks */
    BF_CORO_STACK = 1u << 5, /* holds a coroutine's stack (see coro.h) */
    BF_REPORTED = 1u << 6,   /* already reported as leaked (coro_leaks=1) */
};

/* Which family made a block, so that it is freed by the same one: free
 * and realloc for malloc's, delete for new's, delete [] for new []'s. */
enum blk_how {
    BH_MALLOC = 0,
    BH_NEW,
    BH_NEW_ARRAY,
};

struct wd_meta {
    uint32_t size;          /* bytes requested (SEG_HUGE: see wd_seg) */
    uint32_t alloc_stack;   /* stack ids, see stacks.h */
    uint32_t free_stack;
    uint32_t alloc_ctx;     /* thread and coroutine, see threads.h */
    uint32_t free_ctx;
    uint32_t free_epoch;    /* coroutine switch count when freed */
    uint32_t off : 30;      /* user pointer minus slot start (< SEG_SIZE) */
    uint32_t how : 2;       /* enum blk_how */
    uint16_t owner;         /* owner id */
    uint8_t  state;         /* enum blk_state; changed atomically */
    uint8_t  flags;         /* enum blk_flag */
};

static_assert(sizeof(struct wd_meta) == 32, "block metadata must stay 32 bytes");

#endif
