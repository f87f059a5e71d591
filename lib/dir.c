/* Directories of chunks (see dir.h). */
#include "dir.h"
#include "imem.h"

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
