/* Suppression rules: the file format, the pattern language (substring by
 * default, ^ and $ anchors, * wildcards) and the one-line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "suppress.h"

static char path[64];

static bool load(const char *text, char *err, size_t errlen)
{
    strcpy(path, "/tmp/ward-supp-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    bool ok = supp_load(path, err, errlen);
    unlink(path);
    return ok;
}

/* The one rule of kind, as the report path finds it. */
static unsigned rule(const char *kind)
{
    unsigned r[SUPP_MAX];
    assert_int_equal(supp_rules_of(kind, r, SUPP_MAX), 1);
    return r[0];
}

static void test_patterns(void **state)
{
    char err[512];
    (void)state;
    assert_true(load("# a comment\n\n  leak:alloc_name  \n"
                     "double-free:^start_here\n"
                     "use-after-free:ends_here$\n"
                     "invalid-free:lib*.so\n"
                     "heap-buffer-overflow:^exact$\r\n",
                     err, sizeof err));
    assert_true(supp_any());
    unsigned leak = rule("leak"), df = rule("double-free"), uaf = rule("use-after-free"),
             inv = rule("invalid-free"), ovf = rule("heap-buffer-overflow");
    assert_true(supp_matches(leak, "my_alloc_name_here"));
    assert_false(supp_matches(leak, "alloc_nam"));
    assert_true(supp_matches(df, "start_here_and_more"));
    assert_false(supp_matches(df, "not_start_here"));
    assert_true(supp_matches(uaf, "it_ends_here"));
    assert_false(supp_matches(uaf, "ends_here_not"));
    assert_true(supp_matches(inv, "/usr/lib/x86_64-linux-gnu/libfoo.so.1"));
    assert_false(supp_matches(inv, "/usr/bin/foo"));
    assert_true(supp_matches(ovf, "exact"));
    assert_false(supp_matches(ovf, "exactly"));
    assert_false(supp_matches(ovf, "inexact"));
    assert_false(supp_matches(leak, NULL));
    assert_false(supp_matches(leak, ""));
    unsigned r[SUPP_MAX];
    assert_int_equal(supp_rules_of("stack-overflow", r, SUPP_MAX), 0);
}

static void test_wildcards(void **state)
{
    char err[512];
    (void)state;
    assert_true(load("leak:^*/vendor/*.c$\nleak:a*b*c\n", err, sizeof err));
    unsigned r[SUPP_MAX];
    assert_int_equal(supp_rules_of("leak", r, SUPP_MAX), 2);
    assert_true(supp_matches(r[0], "/src/vendor/zlib/inflate.c"));
    assert_false(supp_matches(r[0], "/src/vendor/zlib/inflate.h"));
    assert_false(supp_matches(r[0], "/src/own/inflate.c"));
    assert_true(supp_matches(r[1], "xxaxxbxxcxx"));
    assert_true(supp_matches(r[1], "abc"));
    assert_false(supp_matches(r[1], "acb"));
}

static void test_errors(void **state)
{
    char err[512];
    (void)state;
    assert_false(load("leak:ok\nleek:typo\n", err, sizeof err));
    assert_non_null(strstr(err, ", line 2: unknown kind (valid: leak,"));
    assert_null(strchr(err, '\n'));
    assert_false(supp_any());               /* nothing half-loaded */
    assert_false(load("no colon here\n", err, sizeof err));
    assert_non_null(strstr(err, "line 1: expected KIND:PATTERN"));
    assert_false(load("leak:\n", err, sizeof err));
    assert_non_null(strstr(err, "line 1: empty pattern"));
    assert_false(load("leak:^$\n", err, sizeof err));
    assert_non_null(strstr(err, "empty pattern"));
    assert_false(supp_load("/nonexistent/ward.supp", err, sizeof err));
    assert_string_equal(err, "suppressions file '/nonexistent/ward.supp': cannot be read "
                             "(option suppressions)");
    /* A long error still fits, cut. */
    char small[24];
    assert_false(load("bad\n", small, sizeof small));
    assert_int_equal(strlen(small), sizeof small - 1);
}

static void test_used_table(void **state)
{
    char err[512], buf[1024];
    (void)state;
    assert_true(load("leak:one\nleak:two\n", err, sizeof err));
    unsigned r[SUPP_MAX];
    assert_int_equal(supp_rules_of("leak", r, SUPP_MAX), 2);
    fmt_t f;
    fmt_init(&f, buf, sizeof buf, -1);
    supp_print_used(&f, "P ");
    assert_string_equal(fmt_cstr(&f), "");  /* nothing matched yet */
    supp_hit(r[1], 100);
    supp_hit(r[1], 20);
    fmt_init(&f, buf, sizeof buf, -1);
    supp_print_used(&f, "P ");
    assert_string_equal(fmt_cstr(&f), "P suppressions used:\n"
                                      "  count     bytes       rule\n"
                                      "  2         120         leak:two\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),
        cmocka_unit_test(test_wildcards),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_used_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
