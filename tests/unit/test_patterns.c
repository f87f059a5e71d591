/* Redzone and poison checks find every damaged byte: each byte of a
 * block's redzones and of its poison is changed in turn, for block sizes
 * that put the ranges at every length the checks treat differently (under
 * a word, a word to a cache line, longer), and the check must name that
 * byte; intact ranges must pass. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"
#include "patterns.h"

#define SLOT_MAX 1024

static _Alignas(64) uint8_t slot[SLOT_MAX];

/* A small block of size bytes at offset 16 of a cleared slot of
 * slot_size, with the segment and metadata it is described by. */
struct fake {
    struct wd_seg seg;
    struct wd_meta m;
    struct wd_block b;
};

static struct wd_block *make_block(struct fake *f, uint32_t size, uint64_t slot_size)
{
    memset(f, 0, sizeof *f);
    memset(slot, 0, sizeof slot);
    f->seg.kind = SEG_SMALL;
    f->m.size = size;
    f->m.off = HEAP_REDZONE;
    f->b = (struct wd_block){ &f->seg, &f->m, (uintptr_t)slot, slot_size };
    return &f->b;
}

static void test_every_redzone_byte(void **state)
{
    (void)state;
    for (uint32_t size = 0; size <= 300; size++) {
        /* A right redzone of 1 to 80 bytes; only its first 64 are checked. */
        uint64_t slot_size = HEAP_REDZONE + size + 1 + size % 80;
        struct fake f;
        struct pat_damage d;
        const struct wd_block *b = make_block(&f, size, slot_size);
        pat_fill_redzones(b);
        assert_false(pat_check_redzones(b, &d));
        uintptr_t end = b->slot + HEAP_REDZONE + size;
        uintptr_t right = end + (slot_size - HEAP_REDZONE - size > 64
                                     ? 64 : slot_size - HEAP_REDZONE - size);
        for (uintptr_t p = b->slot; p < right; p++) {
            if (p >= b->slot + HEAP_REDZONE && p < end)
                continue;                       /* the block itself */
            uint8_t was = *(uint8_t *)p;
            *(uint8_t *)p = 0x41;
            assert_true(pat_check_redzones(b, &d));
            assert_int_equal(d.first, p);
            assert_int_equal(d.count, 1);
            assert_int_equal(d.below, p < b->slot + HEAP_REDZONE);
            *(uint8_t *)p = was;
        }
        assert_false(pat_check_redzones(b, &d));
    }
}

static void test_every_poisoned_byte(void **state)
{
    (void)state;
    wd_opt.poison_bytes = 256;
    for (uint32_t size = 1; size <= 300; size++) {
        struct fake f;
        struct pat_damage d;
        const struct wd_block *b = make_block(&f, size, SLOT_MAX);
        pat_poison(b);
        assert_false(pat_check_poison(b, &d));
        uintptr_t user = b->slot + HEAP_REDZONE;
        uint32_t poisoned = size < 256 ? size : 256;
        for (uint32_t i = 0; i < poisoned; i++) {
            uint8_t *p = (uint8_t *)user + i;
            *p ^= 0x01;
            assert_true(pat_check_poison(b, &d));
            assert_int_equal(d.first, (uintptr_t)p);
            assert_int_equal(d.count, 1);
            *p ^= 0x01;
        }
        /* Past what is poisoned, nothing is checked. */
        if (size > poisoned) {
            ((uint8_t *)user)[poisoned] = 0;
            assert_false(pat_check_poison(b, &d));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_redzone_byte),
        cmocka_unit_test(test_every_poisoned_byte),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
