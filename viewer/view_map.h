/* A small hash map from 64-bit keys to 32-bit values, for the viewer's
 * caches (symbolized frames, interned names, tree nodes). Keys may repeat:
 * a lookup takes an equality test on the value, so that a key can be a
 * hash of something larger that the caller compares itself. */
#ifndef WARD_VIEW_MAP_H
#define WARD_VIEW_MAP_H

#include <stdbool.h>
#include <stdint.h>

#define VMAP_NONE UINT32_MAX

struct vmap {
    uint64_t *keys;             /* 0: empty (a key of 0 is stored as 1) */
    uint32_t *vals;
    uint32_t cap, n;
};

/* The value under key that eq accepts (eq NULL: the first), or VMAP_NONE. */
uint32_t vmap_get(const struct vmap *m, uint64_t key, bool (*eq)(uint32_t val, void *arg),
                  void *arg);
/* Adds a value; -1 when out of memory. */
int vmap_put(struct vmap *m, uint64_t key, uint32_t val);
/* Replaces the first value under key, or adds it. */
int vmap_set(struct vmap *m, uint64_t key, uint32_t val);
void vmap_clear(struct vmap *m);
void vmap_free(struct vmap *m);

uint64_t vmap_hash(const void *p, uint64_t n, uint64_t seed);
uint64_t vmap_mix(uint64_t a, uint64_t b);

#endif
