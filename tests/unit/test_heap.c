/* The block table: placement, redzones, lookup by any address, guarded
 * blocks and reuse. Guarded blocks are tested both ways a page segment
 * can be made: the test runs with guard markers (when the kernel has
 * them), then runs itself again with `mappings`, whose segments are all
 * made the old way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "heap.h"
#include "imem.h"
#include "options.h"

#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static struct wd_tcache *tc;
static bool markers_wanted = true;      /* false: run with `mappings` */

/* Whether this kernel has guard markers (Linux 6.13). */
static bool kernel_markers(void)
{
    void *p = mmap(NULL, WD_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    bool ok = p != MAP_FAILED && madvise(p, WD_PAGE, 102 /* MADV_GUARD_INSTALL */) == 0;
    if (p != MAP_FAILED)
        munmap(p, WD_PAGE);
    return ok;
}

/* The way a page segment made in this run must have been made (set up
 * once: the kernel is asked a single time). */
static uint8_t markers_expected;

static uintptr_t alloc(size_t size, size_t align, bool guarded, bool below,
                       struct wd_block *b)
{
    if (!heap_take(tc, size, align, guarded, below, b))
        return 0;
    return heap_place(b, size, align, below, guarded);
}

static int setup(void **state)
{
    (void)state;
    /* With transparent huge pages always on, a read of untouched memory
     * maps a 2 MiB zero page: test_foreach_reads_used_only would count a
     * few faults where there were thousands of pages. */
    prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0);
    wd_opt.guard_markers = markers_wanted;  /* before any page segment exists */
    markers_expected = markers_wanted && kernel_markers();
    if (!imem_init() || !arena_init() || !heap_init())
        return -1;
    tc = imem_alloc(sizeof *tc);
    return 0;
}

static void test_small_placement(void **state)
{
    static const size_t sizes[] = { 0, 1, 15, 16, 17, 100, 1000, 4096, 100000,
                                    HEAP_SMALL_MAX - 2 * HEAP_REDZONE };
    (void)state;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        struct wd_block b, f;
        uintptr_t u = alloc(sizes[i], 16, false, false, &b);
        assert_true(u != 0);
        assert_int_equal(u & 15, 0);
        assert_int_equal(blk_size(&b), sizes[i]);
        assert_int_equal(blk_user(&b), u);
        uintptr_t lo, hi;
        heap_span(&b, &lo, &hi);
        assert_true(u - lo >= HEAP_REDZONE);
        assert_true(hi - (u + sizes[i]) >= HEAP_REDZONE);
        memset((void *)lo, 0x5a, hi - lo);              /* all of it writable */
        /* Any address in the slot finds the same metadata. */
        for (uintptr_t a = lo; a < hi; a += (hi - lo) / 7 + 1) {
            assert_true(heap_find((void *)a, &f));
            assert_ptr_equal(f.m, b.m);
        }
    }
}

static void test_alignment(void **state)
{
    (void)state;
    for (size_t a = 16; a <= (1 << 20); a *= 2) {
        struct wd_block b;
        uintptr_t u = alloc(40, a, false, false, &b);
        assert_true(u != 0);
        assert_int_equal(u & (a - 1), 0);
        assert_int_equal(blk_user(&b), u);
    }
}

static void test_not_ours(void **state)
{
    struct wd_block b;
    int local = 0;         /* only its address is used */
    (void)state;
    assert_false(heap_find(&local, &b));
    assert_false(heap_find(test_not_ours, &b));
    assert_false(heap_find(NULL, &b));
}

/* Whether a byte can be read, asked of the kernel (a write from it to a
 * pipe fails with EFAULT) so that a guard marker, which /proc/self/maps
 * does not show, counts as much as a PROT_NONE mapping. */
static bool readable(uintptr_t a)
{
    int fd[2];
    char c;
    assert_int_equal(pipe(fd), 0);
    bool ok = write(fd[1], (const void *)a, 1) == 1;
    if (ok)
        assert_int_equal(read(fd[0], &c, 1), 1);
    close(fd[0]);
    close(fd[1]);
    return ok;
}

static void guarded_blocks(void)
{
    static const size_t sizes[] = { 1, 4096, 5000, 65536, 3 << 20, 20 << 20 };
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        for (int below = 0; below <= 1; below++) {
            struct wd_block b;
            uintptr_t u = alloc(sizes[i], 16, true, below, &b);
            assert_true(u != 0);
            assert_true(b.m->flags & BF_GUARDED);
            assert_int_equal(b.seg->markers, b.seg->kind == SEG_PAGES ? markers_expected : 0);
            memset((void *)u, 1, sizes[i]);
            uintptr_t end = u + sizes[i];
            assert_true(readable(u) && readable(end - 1));
            /* The page past the end (or before the start) is a guard. */
            if (below)
                assert_false(readable(WD_ALIGN_DOWN(u, WD_PAGE) - 1));
            else
                assert_false(readable(WD_ALIGN_UP(end, WD_PAGE)));
            assert_true(end - u == sizes[i] && (below || WD_ALIGN_UP(end, 16) - end < 16 ||
                                                 WD_ALIGN_UP(end, WD_PAGE) - end < 16));
            heap_retire(&b);
            assert_false(readable(u));
            b.m->state = BS_FREE;
            heap_release(NULL, &b);
        }
    }
}

static void test_guarded(void **state)
{
    (void)state;
    guarded_blocks();
}

static void test_guarded_resize(void **state)
{
    (void)state;
    struct wd_block b;
    uintptr_t u = alloc(100, 16, true, true, &b);
    assert_true(u != 0);
    assert_false(readable(u + WD_PAGE));
    /* A 100-byte block has a 4-page slot: two pages of room. */
    assert_true(heap_resize_in_place(&b, 2 * WD_PAGE));
    memset((void *)u, 2, 2 * WD_PAGE);
    assert_false(readable(u + 2 * WD_PAGE));
    assert_true(heap_resize_in_place(&b, 10));
    assert_true(readable(u + 9));
    assert_false(readable(u + WD_PAGE));        /* given back by the shrink */
    assert_false(readable(u + 2 * WD_PAGE));
    heap_retire(&b);
    assert_false(readable(u));
}

/* What guarding costs in marked segments (the rest of each block's pages)
 * comes back whole when the blocks go, through every resize; blocks with
 * mappings of their own cost none of it. */
static void test_guard_cost(void **state)
{
    static const size_t sizes[] = { 0, 1, 100, 4096, 5000, 65536 };
    struct wd_block b[sizeof sizes / sizeof *sizes];
    (void)state;
    long before = heap_marked_bytes(), cost = 0;
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        uintptr_t u = alloc(sizes[i], 16, true, i % 2, &b[i]);
        assert_true(u != 0);
        cost += (long)(WD_ALIGN_UP(u + sizes[i], WD_PAGE) - WD_ALIGN_DOWN(u, WD_PAGE) - sizes[i]);
    }
    assert_int_equal(heap_marked_bytes() - before, markers_expected ? cost : 0);
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        heap_resize_in_place(&b[i], sizes[i] + 3000);
        heap_resize_in_place(&b[i], 0);
        heap_resize_in_place(&b[i], 7);
    }
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
        assert_true(heap_retire(&b[i]));
    assert_int_equal(heap_marked_bytes(), before);
}

static void test_reuse(void **state)
{
    struct wd_block b, c;
    (void)state;
    uintptr_t u = alloc(200, 16, false, false, &b);
    b.m->alloc_stack = 77;
    heap_release(tc, &b);
    /* Taking the slot again shows what it held, until it is placed. */
    assert_true(heap_take(tc, 205, 16, false, false, &c));
    assert_ptr_equal(b.m, c.m);
    assert_int_equal(c.m->size, 200);
    assert_int_equal(c.m->alloc_stack, 77);
    uintptr_t v = heap_place(&c, 205, 16, false, false);
    assert_int_equal(u, v);             /* the cache handed the slot back */
    assert_int_equal(c.m->size, 205);
}

/* One huge buffer at a time, each a little larger than the last (a
 * buffer grown by a fixed step): given-back spans merge, and the arena's
 * high-water mark stays near the largest, not at the sum of them all
 * (which would be 1.3 TB for 800 steps of 4 MiB). */
static void test_huge_spans_merge(void **state)
{
    (void)state;
    size_t before = arena_segs_used();
    for (size_t k = 1; k <= 64; k++) {
        struct wd_block b;
        assert_true(alloc(k * SEG_SIZE - 4096, 16, true, false, &b) != 0);
        heap_retire(&b);
        b.m->state = BS_FREE;
        heap_release(NULL, &b);
    }
    assert_true(arena_segs_used() <= before + 2 * 64);
}

/* The multiply that replaces the division finds the same slot for every
 * offset of a segment, for every slot size a segment can have. */
static void test_slot_index(void **state)
{
    (void)state;
    for (uint64_t d = 48; d < (1UL << 20); d += d < 4096 ? 16 : 4093) {
        struct wd_seg s = { .slot_base = 0, .slot_size = d, .div_magic = seg_div_magic(d) };
        for (uint64_t off = 0; off < SEG_SIZE; off += 997)
            assert_int_equal(seg_slot_index(&s, off), off / d);
        assert_int_equal(seg_slot_index(&s, SEG_SIZE - 1), (SEG_SIZE - 1) / d);
        uint64_t k = (SEG_SIZE - 1) / d * d;
        assert_int_equal(seg_slot_index(&s, k), k / d);
        if (k)
            assert_int_equal(seg_slot_index(&s, k - 1), (k - 1) / d);
    }
}

static int count;
static void count_live(struct wd_block *b, void *arg)
{
    (void)arg;
    if (b->m->state == BS_LIVE && b->m->size == 12345)
        count++;
}

static void ignore(struct wd_block *b, void *arg)
{
    (void)b;
    (void)arg;
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* The walk at exit reads what the heap has used, not the whole segment
 * table (14 MiB for a terabyte of arena) or the metadata of slots never
 * handed out: each page of those it read was a page fault, 3,600 and more
 * in every short process. */
static void test_foreach_reads_used_only(void **state)
{
    (void)state;
    struct wd_block b;
    for (int i = 0; i < 1000; i++)
        alloc(24, 16, false, false, &b);
    long before = minor_faults();
    heap_foreach(ignore, NULL);
    long faults = minor_faults() - before;
    print_message("heap_foreach: %ld page faults\n", faults);
    assert_true(faults < 64);
}

static int seen_marked;
static void count_marked(struct wd_block *b, void *arg)
{
    if (b->m->state == BS_LIVE && blk_user(b) == *(uintptr_t *)arg)
        seen_marked++;
}

/* A pool's newest segment may sit just below an older one of the same
 * pool (segments given back by a huge block are taken again first). Full,
 * its bump pointer ends where the older one starts: the walk must still
 * see every block of the older one. */
static void test_foreach_segment_after_newest(void **state)
{
    (void)state;
    struct wd_block huge, a, b, c;
    assert_true(alloc(5 << 20, 16, true, false, &huge) != 0);
    uintptr_t ua = alloc(3 << 20, 16, true, false, &a);
    assert_true(ua != 0);
    a.m->state = BS_LIVE;
    heap_retire(&huge);
    huge.m->state = BS_FREE;
    heap_release(NULL, &huge);
    assert_true(alloc(3 << 20, 16, true, false, &b) != 0);
    assert_true(alloc(3 << 20, 16, true, false, &c) != 0);
    seen_marked = 0;
    heap_foreach(count_marked, &ua);
    assert_int_equal(seen_marked, 1);
}

static void test_foreach(void **state)
{
    (void)state;
    for (int i = 0; i < 100; i++) {
        struct wd_block b;
        alloc(12345, 16, i % 3 == 0, false, &b);
        b.m->state = BS_LIVE;
    }
    heap_foreach(count_live, NULL);
    assert_int_equal(count, 100);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        /* First: before anything has walked, or used a page pool. */
        cmocka_unit_test(test_foreach_reads_used_only),
        cmocka_unit_test(test_foreach_segment_after_newest),
        cmocka_unit_test(test_small_placement),
        cmocka_unit_test(test_alignment),
        cmocka_unit_test(test_not_ours),
        cmocka_unit_test(test_guarded),
        cmocka_unit_test(test_guarded_resize),
        cmocka_unit_test(test_guard_cost),
        cmocka_unit_test(test_reuse),
        cmocka_unit_test(test_huge_spans_merge),
        cmocka_unit_test(test_foreach),
        cmocka_unit_test(test_slot_index),
    };
    markers_wanted = !(argc > 1 && strcmp(argv[1], "mappings") == 0);
    int failed = cmocka_run_group_tests(tests, setup, NULL);
    if (!markers_wanted)
        return failed;
    /* Again, in a fresh process whose segments are all mappings. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/proc/self/exe", argv[0], "mappings", (char *)NULL);
        execl(argv[0], argv[0], "mappings", (char *)NULL);
        fprintf(stderr, "test_heap: cannot run itself again for the mappings pass\n");
        _exit(127);
    }
    int status;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return 1;
    return failed || WEXITSTATUS(status);
}
