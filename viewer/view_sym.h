/* Symbolized stacks for ward view, cached: a frame is looked up once per
 * module map (symbols.h does the work, with the modules tr_modules_at
 * gives for the time asked about). Names are interned, so two frames of
 * the same function have the same func pointer. */
#ifndef WARD_VIEW_SYM_H
#define WARD_VIEW_SYM_H

#include "fmt.h"
#include "symbols.h"
#include "trace_read.h"

struct vs_frame {
    uint64_t pc;
    const char *func;           /* "??" when unknown */
    const char *file;           /* the full path; "" without line information */
    unsigned line;
    const char *module;         /* NULL: unknown */
    uint64_t modoff;
};

struct vsym;

struct vsym *vsym_open(const struct tr_trace *t);
void vsym_close(struct vsym *vs);

/* The frames of a stack, innermost first, inlined calls as frames of their
 * own, with the modules loaded at time ts. Returns how many (at most max;
 * 0 for no stack). */
int vsym_frames(struct vsym *vs, uint32_t stack, uint64_t ts, struct vs_frame *out, int max);

/* "func file.c:12" for the first frame of a stack (the file's base name),
 * or "<no stack>". */
void vsym_site(struct vsym *vs, uint32_t stack, uint64_t ts, char *buf, size_t n);

/* Frames as rt_print wants them: arg is a struct vsym_at. */
struct vsym_at {
    struct vsym *vs;
    uint64_t ts;
};
void vsym_print_stack(void *arg, fmt_t *f, uint32_t stack);
bool vsym_top_frame(void *arg, uint32_t stack, struct sym_frame *frame);

/* The base name of a path. */
const char *vsym_base(const char *path);

#endif
