/* C++'s global operators new and delete: which loaded objects define them.
 * ward's own (preload/new.c) serve the program and check that a block is
 * released by the family that made it, unless the program brings its own:
 * the standard lets it replace any one operator alone, and such an
 * operator new may call malloc while the library's delete calls free.
 * Found by reading the loaded objects' symbol tables (lib/dynsym.c), never
 * with dlsym, so that an operator call never takes the dynamic linker's
 * lock. */
#ifndef WARD_CXX_H
#define WARD_CXX_H

#include "common.h"

enum cxx_op {
    CXX_NEW, CXX_NEW_ARR, CXX_NEW_NT, CXX_NEW_ARR_NT, CXX_NEW_AL, CXX_NEW_ARR_AL,
    CXX_NEW_AL_NT, CXX_NEW_ARR_AL_NT, CXX_DEL, CXX_DEL_ARR, CXX_DEL_SZ, CXX_DEL_ARR_SZ,
    CXX_DEL_NT, CXX_DEL_ARR_NT, CXX_DEL_AL, CXX_DEL_ARR_AL, CXX_DEL_SZ_AL,
    CXX_DEL_ARR_SZ_AL, CXX_DEL_AL_NT, CXX_DEL_ARR_AL_NT, CXX_NOPS
};

/* Reads the loaded objects again if any was loaded or unloaded since the
 * last time (a dl_iterate_phdr call when nothing changed). */
void cxx_scan(void);

/* Some object other than ward and the C++ runtime defines one of the
 * operators: ward's hand every call on and check nothing. Scans first if
 * nothing was scanned yet. */
bool cxx_replaced(void);

/* The definition ward's operator op stands in front of (the program's
 * replacement, or the C++ runtime's), or NULL. */
void *cxx_next(enum cxx_op op);

/* Whether a block released by another family may be reported: the checks
 * are on, and a fresh scan finds no replacement. */
bool cxx_may_report(void);

void cxx_atfork_prepare(void);
void cxx_atfork_parent(void);
void cxx_atfork_child(void);

#endif
