/* Option parsing (the table is options.def). Used by the library, from
 * WARD_OPTIONS, and by the ward command, which validates `--key=value`
 * before it starts the program. */
#ifndef WARD_OPTIONS_H
#define WARD_OPTIONS_H

#include "common.h"
#include "fmt.h"

#define WD_OPT_STR_MAX 1024

#define WD_OPT_FIELD_BOOL(n)  long n;
#define WD_OPT_FIELD_INT(n)   long n;
#define WD_OPT_FIELD_SIZE(n)  long n;
#define WD_OPT_FIELD_ENUM(n)  long n;
#define WD_OPT_FIELD_STR(n)   char n[WD_OPT_STR_MAX];

struct wd_options {
#define WD_OPT(name, kind, def, min, max, values, help) WD_OPT_FIELD_##kind(name)
#include "options.def"
#undef WD_OPT
};

enum { GUARD_AUTO, GUARD_ALL };              /* values of guard */
enum { SELFREF_OFF, SELFREF_WARN, SELFREF_ERROR }; /* values of selfref */

/* The options in effect; valid (all defaults) before anything is parsed. */
extern struct wd_options wd_opt;

void opt_defaults(struct wd_options *o);

/* Parse "key=value:key=value" into o. On error returns -1 and writes a
 * one-line message (no newline) into err. */
int opt_parse(struct wd_options *o, const char *s, char *err, size_t errlen);

/* Parse one "key=value" of length n; the ward command uses it for
 * --key=value. */
int opt_parse_one(struct wd_options *o, const char *kv, size_t n,
                  char *err, size_t errlen);

/* Whether name is an option, and whether it is a boolean (so that
 * `ward run --leaks` can mean leaks=1). */
bool opt_exists(const char *name, size_t n);
bool opt_is_bool(const char *name, size_t n);

/* The option table as help text, one option per line. */
void opt_help(fmt_t *f);

#endif
