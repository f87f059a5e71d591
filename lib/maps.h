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

/* The absolute path of the file mapped at addr, into out (n bytes); false
 * if none, or if it does not fit. The loader keeps a dlopen'ed "./x.so" as
 * it was given; the kernel knows where it really is. */
bool maps_path_at(uintptr_t addr, char *out, size_t n);

#endif
