/* /proc/self/maps, read without malloc or stdio. */
#ifndef WARD_MAPS_H
#define WARD_MAPS_H

#include "common.h"

struct map_ent {
    uintptr_t lo, hi;
    bool r, w, x, priv;
    const char *path;           /* "" for anonymous; valid during the call */
};

/* Calls fn for every mapping until it returns false. Returns false if the
 * file could not be read. */
bool maps_foreach(bool (*fn)(const struct map_ent *e, void *arg), void *arg);

#endif
