/* The viewer's hash map (see view_map.h): open addressing, linear
 * probing, never shrinking; entries are never removed one by one. */
#include "view_map.h"

#include <stdlib.h>
#include <string.h>

static uint64_t fix(uint64_t key)
{
    return key ? key : 1;
}

static uint32_t slot(uint64_t key, uint32_t cap)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

uint32_t vmap_get(const struct vmap *m, uint64_t key, bool (*eq)(uint32_t val, void *arg),
                  void *arg)
{
    if (!m->cap)
        return VMAP_NONE;
    key = fix(key);
    for (uint32_t i = slot(key, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return VMAP_NONE;
        if (m->keys[i] == key && (!eq || eq(m->vals[i], arg)))
            return m->vals[i];
    }
}

static int grow(struct vmap *m)
{
    uint32_t cap = m->cap ? m->cap * 2 : 256;
    uint64_t *k = calloc(cap, sizeof *k);
    uint32_t *v = malloc(cap * sizeof *v);
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    for (uint32_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        uint32_t j = slot(m->keys[i], cap);
        while (k[j])
            j = (j + 1) & (cap - 1);
        k[j] = m->keys[i];
        v[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = k;
    m->vals = v;
    m->cap = cap;
    return 0;
}

int vmap_put(struct vmap *m, uint64_t key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap && grow(m) < 0)
        return -1;
    key = fix(key);
    uint32_t i = slot(key, m->cap);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = key;
    m->vals[i] = val;
    m->n++;
    return 0;
}

int vmap_set(struct vmap *m, uint64_t key, uint32_t val)
{
    uint64_t k = fix(key);
    for (uint32_t i = m->cap ? slot(k, m->cap) : 0; m->cap && m->keys[i];
         i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == k) {
            m->vals[i] = val;
            return 0;
        }
    return vmap_put(m, key, val);
}

void vmap_clear(struct vmap *m)
{
    if (m->cap)
        memset(m->keys, 0, m->cap * sizeof *m->keys);
    m->n = 0;
}

void vmap_free(struct vmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

uint64_t vmap_hash(const void *p, uint64_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ull;
    return h;
}

uint64_t vmap_mix(uint64_t a, uint64_t b)
{
    uint64_t h = (a ^ (b + 0x9E3779B97F4A7C15ull + (a << 6) + (a >> 2))) * 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}
