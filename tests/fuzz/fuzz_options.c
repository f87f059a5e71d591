/* libFuzzer target: WARD_OPTIONS comes from the environment, so the parser
 * must take anything and answer with a value or a one-line error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wd_options o;
    char err[512];
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    opt_defaults(&o);
    if (opt_parse(&o, s, err, sizeof err) < 0 && (!err[0] || strchr(err, '\n')))
        abort();                        /* errors are one non-empty line */
    free(s);
    return 0;
}
