/* Suppressions (option suppressions=FILE), in LeakSanitizer's format: one
 * rule a line, KIND:PATTERN, where KIND is a report kind (leak,
 * double-free, use-after-free, ...) and PATTERN is matched against the
 * function, source file and module of every frame of the report's stack
 * (the allocation stack for a leak, the stack of the bad operation for the
 * others). A pattern matches anywhere in the name unless it starts with ^
 * or ends with $; * matches any run of characters. '#' starts a comment.
 *
 * A suppressed report is neither printed nor counted as an error; the
 * rules that matched are listed at exit. The file is read once, at start,
 * into static storage: no allocation. */
#ifndef WARD_SUPPRESS_H
#define WARD_SUPPRESS_H

#include "common.h"
#include "fmt.h"

#define SUPP_MAX 256

/* Reads the rules of path. On error returns false and writes a one-line
 * message naming the file and line into err. */
bool supp_load(const char *path, char *err, size_t errlen);

/* The same for the file's text, len bytes of buf (path: for messages). */
bool supp_parse(char *buf, size_t len, const char *path, char *err, size_t errlen);

bool supp_any(void);

/* Whether text matches the pattern of rule i. */
bool supp_matches(unsigned i, const char *text);

/* The rules of kind (a report kind's name), as indices; returns their
 * count. */
unsigned supp_rules_of(const char *kind, unsigned *out, unsigned max);

/* A report suppressed by rule i (bytes: a leak's). */
void supp_hit(unsigned i, uint64_t bytes);

/* "suppressions used:" with each matched rule's count, if any matched. */
void supp_print_used(fmt_t *f, const char *prefix);

#endif
