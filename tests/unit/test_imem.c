/* ward's internal allocator: what imem_alloc returns reads as zero,
 * however the memory was used before, since every table of ward's counts
 * on it (a hash table read an old one's entries as its own). Big blocks
 * give their pages back when freed, also when they do not start on a
 * page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "imem.h"

static int setup(void **state)
{
    (void)state;
    return imem_init() ? 0 : -1;
}

static size_t nonzero(const unsigned char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        k += p[i] != 0;
    return k;
}

/* A used block comes back zeroed from its class's free list. */
static void reused_blocks_are_zero(size_t size, size_t misalign)
{
    void *pad = misalign ? imem_alloc(misalign) : NULL;    /* off the page */
    unsigned char *p = imem_alloc(size);
    assert_non_null(p);
    memset(p, 0xa5, size);
    imem_free(p, size);
    unsigned char *q = imem_alloc(size);
    assert_ptr_equal(q, p);
    assert_int_equal(nonzero(q, size), 0);
    imem_free(q, size);
    imem_free(pad, misalign);
}

static void test_small(void **state)
{
    (void)state;
    reused_blocks_are_zero(200, 0);
    reused_blocks_are_zero(4000, 64);
}

static void test_big_off_page(void **state)
{
    (void)state;
    reused_blocks_are_zero(1 << 20, 64);
    reused_blocks_are_zero(3 << 20, 192);
}

static void test_big_after_small(void **state)
{
    (void)state;
    reused_blocks_are_zero(2 << 20, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small),
        cmocka_unit_test(test_big_off_page),
        cmocka_unit_test(test_big_after_small),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
