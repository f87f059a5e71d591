/* dynsym_lookup against dlsym: in every loaded object, the exported
 * definitions dlsym finds there (libc's malloc, the default version of
 * __libc_start_main, libgcc's unwinder, the test's own function) are the
 * ones ward's reading of the hash tables finds, and names an object only
 * uses, or lacks, are not found in it. (Indirect functions, as libm's cos,
 * are left out by design.) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dynsym.h"

/* Exported from the test program (linked with -rdynamic or not: then it
 * is simply not found, which dlsym agrees with). */
__attribute__((visibility("default"))) int ward_test_exported(void);
int ward_test_exported(void) { return 1; }

static const char *const names[] = {
    "malloc", "free", "qsort", "dl_iterate_phdr", "ward_test_exported",
    "no_such_symbol_anywhere", "_Znwm", "__libc_start_main", "_Unwind_Backtrace",
};

struct seen {
    unsigned objects, found;
};

/* What dlsym finds in the object itself, or 0. */
static uintptr_t by_dlsym(const struct dl_phdr_info *info, const char *name)
{
    void *h = dlopen(info->dlpi_name[0] ? info->dlpi_name : NULL, RTLD_LAZY | RTLD_NOLOAD);
    if (!h)
        return UINTPTR_MAX;             /* the vDSO: not dlopen-able */
    void *f = dlsym(h, name);
    Dl_info di;
    uintptr_t a = 0;
    if (f && dladdr(f, &di) && (uintptr_t)di.dli_fbase == info->dlpi_addr + 0)
        a = (uintptr_t)f;
    else if (f && dladdr(f, &di) && strcmp(di.dli_fname, info->dlpi_name) == 0)
        a = (uintptr_t)f;
    dlclose(h);
    return a;
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct seen *s = arg;
    (void)size;
    s->objects++;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        uintptr_t want = by_dlsym(info, names[i]);
        if (want == UINTPTR_MAX)
            continue;
        uintptr_t got = dynsym_lookup(info, names[i]);
        if (info->dlpi_name[0] == '\0' && want == 0)
            continue;                   /* the program: dlsym(NULL) looks further */
        assert_int_equal(got, want);
        s->found += got != 0;
    }
    return 0;
}

static void test_against_dlsym(void **state)
{
    struct seen s = { 0 };
    (void)state;
    dl_iterate_phdr(visit, &s);
    assert_true(s.objects >= 3);
    assert_true(s.found >= 4);          /* libc's malloc, free, qsort, __libc_start_main */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_dlsym),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
