/* Address to "function file:line", with inline frames, using elfutils'
 * libdw (loaded on first use), falling back to symbol tables when a module
 * has no debug information. The same code serves reports inside the
 * program and `ward report` after it has exited: both describe the
 * process as a list of modules and their load biases. */
#ifndef WARD_SYMBOLS_H
#define WARD_SYMBOLS_H

#include "common.h"

struct sym_module {
    const char *path;
    uintptr_t   bias;       /* load bias, as dl_iterate_phdr's dlpi_addr */
    uintptr_t   lo, hi;     /* the address range it occupies */
};

struct sym_frame {
    char     func[256];     /* "??" when unknown */
    char     file[512];     /* "" when there is no line information */
    unsigned line;
    const char *module;     /* path, or NULL */
    uint64_t modoff;        /* pc - bias */
};

#define SYM_MAX_INLINE 8

struct wd_symbolizer;

/* A symbolizer over the given modules (copied). Never NULL unless out of
 * memory: without libdw it still names modules and offsets. */
struct wd_symbolizer *sym_open(const struct sym_module *mods, size_t n);

/* One for the running process, from dl_iterate_phdr, plus the modules
 * unloaded since start (their frames stay in recorded stacks). */
struct wd_symbolizer *sym_open_self(void);

/* Around dlclose: the modules loaded before, kept for later symbolizers
 * if they are gone after (the closed library, and the dependencies it took
 * with it). after returns whether any went. */
struct sym_snapshot {
    void *p;
};
bool sym_dlclose_before(struct sym_snapshot *snap);
bool sym_dlclose_after(struct sym_snapshot *snap);

void sym_atfork_prepare(void);
void sym_atfork_parent(void);
void sym_atfork_child(void);

void sym_close(struct wd_symbolizer *s);

/* Resolves the call site of return address pc (pc - 1 is looked up) into
 * its frames, innermost inline function first; returns their count. */
int sym_lookup(struct wd_symbolizer *s, uintptr_t pc, struct sym_frame *out, int max);

/* The module containing addr, or NULL. */
const struct sym_module *sym_module_of(struct wd_symbolizer *s, uintptr_t addr);

#endif
