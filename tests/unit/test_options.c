/* The option parser: defaults, values, and the one-line errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

static void test_defaults(void **state)
{
    struct wd_options o;
    (void)state;
    opt_defaults(&o);
    assert_int_equal(o.exitcode, 23);
    assert_int_equal(o.halt_on_error, 0);
    assert_int_equal(o.leaks, 1);
    assert_int_equal(o.stack_depth, 32);
    assert_int_equal(o.quarantine, 16L << 20);
    assert_string_equal(o.log_path, "");
}

static void test_values(void **state)
{
    struct wd_options o;
    char err[512] = "";
    (void)state;
    opt_defaults(&o);
    assert_int_equal(opt_parse(&o, "exitcode=5:leaks=0::halt_on_error=1:", err, sizeof err), 0);
    assert_int_equal(o.exitcode, 5);
    assert_int_equal(o.leaks, 0);
    assert_int_equal(o.halt_on_error, 1);
    assert_int_equal(opt_parse(&o, "quarantine=64K:log_path=/tmp/w.%p", err, sizeof err), 0);
    assert_int_equal(o.quarantine, 65536);
    assert_string_equal(o.log_path, "/tmp/w.%p");
    assert_int_equal(opt_parse(&o, "quarantine=1G", err, sizeof err), 0);
    assert_int_equal(o.quarantine, 1L << 30);
    assert_int_equal(opt_parse(&o, "quarantine=0", err, sizeof err), 0);
    assert_int_equal(o.quarantine, 0);
    /* Later keys win, as when ward run appends its own. */
    assert_int_equal(opt_parse(&o, "exitcode=1:exitcode=2", err, sizeof err), 0);
    assert_int_equal(o.exitcode, 2);
}

static void expect_error(const char *input, const char *message)
{
    struct wd_options o;
    char err[512] = "";
    opt_defaults(&o);
    assert_int_equal(opt_parse(&o, input, err, sizeof err), -1);
    assert_non_null(strstr(err, message));
    assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("bogus=1", "ward: unknown option 'bogus'; valid options are log_path, "
                            "exitcode, halt_on_error, leaks, stack_depth, quarantine");
    expect_error("exitcode=abc", "bad value 'abc' for option 'exitcode': expected an "
                                 "integer from 0 to 255");
    expect_error("exitcode=256", "from 0 to 255");
    expect_error("exitcode=-1", "from 0 to 255");
    expect_error("exitcode=99999999999999999999999", "bad value");
    expect_error("leaks=2", "bad value '2' for option 'leaks': expected 0 or 1");
    expect_error("stack_depth=0", "from 1 to 64");
    expect_error("quarantine=12X", "expected a size such as");
    expect_error("quarantine=2T", "from 0 to 1T");
    expect_error("quarantine=", "expected a size");
    expect_error("leaks", "option 'leaks' needs a value (leaks=VALUE)");
    expect_error("leaks=1:nope=2", "unknown option 'nope'");
}

static void test_errors_do_not_overflow(void **state)
{
    struct wd_options o;
    char err[16];
    (void)state;
    opt_defaults(&o);
    assert_int_equal(opt_parse(&o, "averyveryverylongbogusoption=1", err, sizeof err), -1);
    assert_int_equal(strlen(err), sizeof err - 1);
}

/* What the user typed is echoed on one line, whatever bytes it holds
 * (found by fuzzing: a newline in a key broke the one-line error). */
static void test_errors_stay_one_line(void **state)
{
    struct wd_options o;
    char err[512];
    (void)state;
    opt_defaults(&o);
    assert_int_equal(opt_parse(&o, "a\nb=1", err, sizeof err), -1);
    assert_null(strchr(err, '\n'));
    assert_non_null(strstr(err, "unknown option 'a\\x0ab'"));
    assert_int_equal(opt_parse(&o, "leaks=\x01\r", err, sizeof err), -1);
    assert_null(strchr(err, '\r'));
    assert_non_null(strstr(err, "bad value '\\x01\\x0d'"));
}

static void test_help(void **state)
{
    char buf[8192];
    fmt_t f;
    (void)state;
    fmt_init(&f, buf, sizeof buf, -1);
    opt_help(&f);
    const char *s = fmt_cstr(&f);
    assert_non_null(strstr(s, "  exitcode"));
    assert_non_null(strstr(s, "(default: 23)"));
    assert_non_null(strstr(s, "(default: 16.0 MiB)"));
    assert_non_null(strstr(s, "  log_path"));
    assert_true(opt_is_bool("leaks", 5));
    assert_false(opt_is_bool("exitcode", 8));
    assert_true(opt_exists("stack_depth", 11));
    assert_false(opt_exists("stack", 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_errors_do_not_overflow),
        cmocka_unit_test(test_errors_stay_one_line),
        cmocka_unit_test(test_help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
