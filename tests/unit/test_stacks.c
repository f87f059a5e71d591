/* The stack store: interning, retrieval, growth and concurrency. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "deps.h"
#include "imem.h"
#include "options.h"
#include "stacks.h"

static int setup(void **state)
{
    (void)state;
    opt_defaults(&wd_opt);
    return imem_init() && stacks_init() ? 0 : -1;
}

static void test_same_stack_same_id(void **state)
{
    uintptr_t a[] = { 0x1000, 0x2000, 0x3000 };
    uintptr_t b[] = { 0x1000, 0x2000, 0x3000 };
    uintptr_t c[] = { 0x1000, 0x2000, 0x3001 };
    (void)state;
    uint32_t ia = stacks_intern(a, 3), ib = stacks_intern(b, 3), ic = stacks_intern(c, 3);
    assert_true(ia >= 2);
    assert_int_equal(ia, ib);
    assert_int_not_equal(ia, ic);
    assert_int_not_equal(stacks_intern(a, 2), ia);      /* a prefix is another stack */
    const uintptr_t *pcs;
    assert_int_equal(stacks_get(ia, &pcs), 3);
    assert_memory_equal(pcs, a, sizeof a);
    assert_int_equal(stacks_intern(a, 0), STACK_NONE);
    assert_int_equal(stacks_get(STACK_NONE, &pcs), 0);
    assert_int_equal(stacks_get(0xffffff, &pcs), 0);
}

/* Enough stacks to make the table double many times. */
static void test_many_stacks(void **state)
{
    enum { N = 100000 };
    static uint32_t ids[N];
    (void)state;
    for (uintptr_t i = 0; i < N; i++) {
        uintptr_t f[2] = { 0x400000 + i, 0x500000 + i * 3 };
        ids[i] = stacks_intern(f, 2);
        assert_true(ids[i] >= 2);
    }
    for (uintptr_t i = 0; i < N; i++) {
        uintptr_t f[2] = { 0x400000 + i, 0x500000 + i * 3 };
        const uintptr_t *pcs;
        assert_int_equal(stacks_intern(f, 2), ids[i]);
        assert_int_equal(stacks_get(ids[i], &pcs), 2);
        assert_memory_equal(pcs, f, sizeof f);
    }
}

/* Lookups trust the hashes alone, so stacks that differ only in the
 * order of their frames, or in one bit of one frame at any depth, must
 * hash apart: a hash that mixed its chains symmetrically, or dropped a
 * frame, would hand two of them one id. */
static void test_near_stacks_differ(void **state)
{
    enum { DEPTH = 32 };
    static const unsigned perm[24][4] = {
        {0,1,2,3},{0,1,3,2},{0,2,1,3},{0,2,3,1},{0,3,1,2},{0,3,2,1},
        {1,0,2,3},{1,0,3,2},{1,2,0,3},{1,2,3,0},{1,3,0,2},{1,3,2,0},
        {2,0,1,3},{2,0,3,1},{2,1,0,3},{2,1,3,0},{2,3,0,1},{2,3,1,0},
        {3,0,1,2},{3,0,2,1},{3,1,0,2},{3,1,2,0},{3,2,0,1},{3,2,1,0},
    };
    static const uintptr_t four[4] = { 0x7f0000401234, 0x7f0000405678, 0x55550000abcd, 0x7f00004099ef };
    uint32_t ids[24 + DEPTH * 3 + 5];
    unsigned n = 0;
    (void)state;
    for (unsigned p = 0; p < 24; p++) {
        uintptr_t f[4];
        for (unsigned i = 0; i < 4; i++)
            f[i] = four[perm[p][i]];
        ids[n++] = stacks_intern(f, 4);
    }
    uintptr_t base[DEPTH];
    for (unsigned i = 0; i < DEPTH; i++)
        base[i] = 0x7f1234560000 + i * 0x1111;
    ids[n++] = stacks_intern(base, DEPTH);
    for (unsigned d = 0; d < DEPTH; d++) {
        static const uintptr_t bits[3] = { 1, 1UL << 20, 1UL << 46 };
        for (unsigned k = 0; k < 3; k++) {
            uintptr_t f[DEPTH];
            memcpy(f, base, sizeof f);
            f[d] ^= bits[k];
            ids[n++] = stacks_intern(f, DEPTH);
        }
    }
    /* An odd depth (the last frame goes through one chain alone) and a
     * single frame, each with its last frame changed. */
    uintptr_t one[1] = { base[0] }, one_b[1] = { base[0] ^ 1 };
    ids[n++] = stacks_intern(base, DEPTH - 1);
    base[DEPTH - 2] ^= 1UL << 33;
    ids[n++] = stacks_intern(base, DEPTH - 1);
    ids[n++] = stacks_intern(one, 1);
    ids[n++] = stacks_intern(one_b, 1);
    for (unsigned i = 0; i < n; i++) {
        assert_true(ids[i] >= 2);
        for (unsigned j = 0; j < i; j++)
            assert_int_not_equal(ids[i], ids[j]);
    }
}

#define THREADS 4
#define PER     20000
static uint32_t seen[THREADS][PER];

static void *intern_all(void *arg)
{
    long t = (long)arg;
    for (uintptr_t i = 0; i < PER; i++) {
        uintptr_t f[3] = { 0x7000000 + i, 0x42, 0x8000000 + (i % 97) };
        seen[t][i] = stacks_intern(f, 3);
    }
    return NULL;
}

/* Threads interning the same stacks at once agree on every id. */
static void test_concurrent(void **state)
{
    pthread_t th[THREADS];
    (void)state;
    for (long i = 0; i < THREADS; i++)
        pthread_create(&th[i], NULL, intern_all, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    for (int t = 1; t < THREADS; t++)
        assert_memory_equal(seen[t], seen[0], sizeof seen[0]);
}

/* Linked into this test, "ward's own code" is the whole test executable:
 * what is captured are the frames of the libraries that called it. */
static void test_capture(void **state)
{
    char err[256];
    const uintptr_t *pcs;
    (void)state;
    assert_int_equal(stacks_get(stacks_capture((void *)0x1234), &pcs), 1);
    assert_int_equal(pcs[0], 0x1234);   /* before libunwind: the caller only */
    assert_true(deps_load_unwind(err, sizeof err));
    uint32_t a = stacks_capture(NULL);
    unsigned n = stacks_get(a, &pcs);
    assert_true(n >= 2);
    assert_false(stacks_is_ward_pc(pcs[0]));    /* ward's own frames are cut */
    assert_true(stacks_is_ward_pc((uintptr_t)test_capture));
    wd_opt.stack_depth = 1;
    assert_int_equal(stacks_get(stacks_capture(NULL), &pcs), 1);
    wd_opt.stack_depth = 32;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_stack_same_id),
        cmocka_unit_test(test_many_stacks),
        cmocka_unit_test(test_near_stacks_differ),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_capture),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
