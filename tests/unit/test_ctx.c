/* Execution contexts: interning, and the collection that gives back the
 * ids of gone coroutines' pairs unless a block still names them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "arena.h"
#include "ctx.h"
#include "heap.h"
#include "imem.h"
#include "meta.h"

#define PAIRS 70000u                /* past the first collection's threshold */
#define GONE  60000u                /* coroutines 1..GONE have gone */

static uint32_t ids[PAIRS + 1];     /* coroutine -> its pair on thread 1 */
static struct wd_tcache *tc;

static bool gone(struct ctx_pair p)
{
    return p.coro >= 1 && p.coro <= GONE;
}

static int setup(void **state)
{
    (void)state;
    if (!imem_init() || !arena_init() || !heap_init() || !ctx_init())
        return -1;
    tc = imem_alloc(sizeof *tc);
    return tc ? 0 : -1;
}

/* A live block allocated in one context, freed... in none yet. */
static struct wd_meta *block_in(uint32_t alloc_ctx)
{
    struct wd_block b;
    assert_true(heap_take(tc, 64, 16, false, false, &b));
    assert_true(heap_place(&b, 64, 16, false, false) != 0);
    b.m->alloc_ctx = alloc_ctx;
    b.m->free_ctx = CTX_NONE;
    b.m->state = BS_LIVE;
    return b.m;
}

static void test_interning(void **state)
{
    (void)state;
    uint32_t a = ctx_intern(1, 0), b = ctx_intern(1, 7);
    assert_int_not_equal(a, b);
    assert_int_equal(ctx_intern(1, 0), a);
    assert_int_equal(ctx_get(b).thread, 1);
    assert_int_equal(ctx_get(b).coro, 7);
    assert_int_equal(ctx_get(1u << 30).thread, UINT32_MAX);
}

static void test_collect(void **state)
{
    (void)state;
    uint32_t thread = ctx_intern(1, 0);
    for (uint32_t c = 1; c <= PAIRS; c++)
        ids[c] = ctx_intern(1, c);
    uint32_t before = ctx_live();
    assert_true(before >= PAIRS + 1);
    /* A gone coroutine's block still live, and one freed there. */
    block_in(ids[5]);
    struct wd_meta *freed = block_in(ids[9]);
    freed->free_ctx = ids[6];
    freed->state = BS_QUAR;

    ctx_collect(gone);
    assert_int_equal(ctx_live(), before - (GONE - 3));
    /* Named by blocks, or not gone: kept, and found again. */
    uint32_t kept[] = { 5, 6, 9, GONE + 1, PAIRS };
    for (unsigned i = 0; i < sizeof kept / sizeof *kept; i++) {
        assert_int_equal(ctx_get(ids[kept[i]]).coro, kept[i]);
        assert_int_equal(ctx_intern(1, kept[i]), ids[kept[i]]);
    }
    assert_int_equal(ctx_intern(1, 0), thread);
    /* Given back: no context, and taken by new pairs. */
    assert_int_equal(ctx_get(ids[7]).thread, UINT32_MAX);
    uint32_t fresh = ctx_intern(2, PAIRS + 1);
    assert_true(fresh < PAIRS + 2);
    assert_true(!gone(ctx_get(fresh)));
    assert_int_equal(ctx_get(fresh).thread, 2);
    assert_int_equal(ctx_live(), before - (GONE - 3) + 1);
    /* Below the next threshold nothing more goes. */
    ctx_collect(gone);
    assert_int_equal(ctx_live(), before - (GONE - 3) + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_interning),
        cmocka_unit_test(test_collect),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
