/* Directories of chunks (see dir.h). */
#include "dir.h"
#include "imem.h"
#include "prim.h"

#include <string.h>

bool dir_set(struct wd_dir *d, uint32_t i, void *p)
{
    uint32_t t = i >> DIR_LEAF_SHIFT;
    if (t >= DIR_TOP)
        return false;
    void **leaf = d->top[t];
    if (!leaf) {
        if (!p)
            return true;
        if (!(leaf = imem_alloc(sizeof *leaf << DIR_LEAF_SHIFT)))
            return false;
        __atomic_store_n(&d->top[t], leaf, __ATOMIC_RELEASE);
    }
    __atomic_store_n(&leaf[i & ((1u << DIR_LEAF_SHIFT) - 1)], p, __ATOMIC_RELEASE);
    return true;
}

void dir_park(struct dir_park *p, void *chunk)
{
    struct dir_parked *k = chunk;
    k->next = NULL;
    k->since_ns = prim_now_ns();
    if (p->tail)
        p->tail->next = k;
    else
        p->head = k;
    p->tail = k;
}

void *dir_unpark(struct dir_park *p, size_t size)
{
    struct dir_parked *k = p->head;
    if (!k || prim_now_ns() - k->since_ns < DIR_GRACE_NS)
        return imem_alloc(size);
    p->head = k->next;
    if (!p->head)
        p->tail = NULL;
    memset(k, 0, size);
    return k;
}
