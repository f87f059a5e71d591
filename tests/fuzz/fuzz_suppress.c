/* libFuzzer target: a suppressions file is the user's text; the parser
 * must take anything and answer with rules or a one-line error, and the
 * rules must match any name without reading out of bounds. The input is
 * the file; its last 64 bytes, when there are more than 64, also serve as
 * a name to match. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "suppress.h"

static const char *const names[] = {
    "main", "lose_string", "/usr/lib/x86_64-linux-gnu/libc.so.6", "", "a*b", "^$",
    "std::vector<int>::push_back(int const&)", "/src/vendor/zlib/inflate.c",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512];
    char *buf = malloc(size + 1), name[65];
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if (!supp_parse(buf, size, "fuzz.supp", err, sizeof err)) {
        if (!err[0] || strchr(err, '\n'))
            abort();                    /* errors are one non-empty line */
        free(buf);
        return 0;
    }
    size_t n = size > 64 ? 64 : 0;
    memcpy(name, data + size - n, n);
    name[n] = '\0';
    for (unsigned i = 0; i < SUPP_MAX; i++) {
        unsigned rules[SUPP_MAX];
        static const char *const kinds[] = { "leak", "double-free", "use-after-free" };
        unsigned k = supp_rules_of(kinds[i % 3], rules, SUPP_MAX);
        if (!k)
            continue;
        for (unsigned j = 0; j < sizeof names / sizeof *names; j++)
            (void)supp_matches(rules[i % k], names[j]);
        (void)supp_matches(rules[i % k], name);
    }
    free(buf);
    return 0;
}
