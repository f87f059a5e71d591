/* Exported definitions in a loaded object's dynamic symbol table, looked
 * up by ward itself (GNU or SysV hash) instead of dlsym: dlsym takes the
 * dynamic linker's lock, which a thread may hold while it waits for the
 * caller (a library constructor joining a thread that allocates). Called
 * from dl_iterate_phdr's callback, which keeps the object loaded. */
#ifndef WARD_DYNSYM_H
#define WARD_DYNSYM_H

#include <link.h>
#include <stdbool.h>
#include <stdint.h>

/* The address of the function or object name that info's object defines
 * and exports (its default version; not an indirect function), or 0. */
uintptr_t dynsym_lookup(const struct dl_phdr_info *info, const char *name);

/* Whether the file name at the end of path (an object's, as
 * dl_iterate_phdr or dlopen has it) starts with prefix: "libc.so" names
 * libc.so.6. False for NULL. */
bool dynsym_named(const char *path, const char *prefix);

#endif
