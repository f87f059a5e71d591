/* The fast unwinder against libunwind: the same frames from the same
 * places, through frames based on rsp and on rbp, variable-length arrays,
 * deep recursion and threads; and -1 (libunwind's turn) where it cannot
 * know the stack. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <cmocka.h>

#include "../progs/foreign_switch.h"
#include "core.h"
#include "fault.h"
#include "imem.h"
#include "threads.h"
#include "unwind.h"

#define MAX 64

static int (*libunwind_bt)(void **, int);
static struct wd_thread me;

struct both {
    void *fast[MAX], *slow[MAX];
    int nfast, nslow;
};

/* The stacks the fast walks took, given ids as ward's stack table would:
 * a repeated walk (see unwind.c) hands back an id, which must stand for
 * the frames libunwind finds now. */
#define KNOWN 8192
static struct known {
    int n;
    void *f[MAX];
} known[KNOWN];
static unsigned repeats_seen;
static uintptr_t take_sp;               /* where the last take ran */

static uint32_t intern(void *const *f, int n)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < n; i++)
        h = (h ^ (uintptr_t)f[i]) * 1099511628211ull;
    for (uint32_t k = 0, i = (uint32_t)(h % KNOWN); k < KNOWN; k++, i = (i + 1) % KNOWN) {
        if (i < 2)
            continue;                   /* ids 0 and 1 mean none and full */
        if (!known[i].n) {
            known[i].n = n;
            memcpy(known[i].f, f, (size_t)n * sizeof *f);
            return i;
        }
        if (known[i].n == n && !memcmp(known[i].f, f, (size_t)n * sizeof *f))
            return i;
    }
    return 0;
}

/* Both unwinds from one frame; frame 0 (this function) differs by call
 * site, so comparisons start at the caller. The fast one through the
 * thread's repeated walks, as stacks_capture does. */
static __attribute__((noinline)) void take(struct both *b)
{
    struct uw_repeat rep = { .caller = (uintptr_t)__builtin_return_address(0) };
    __asm__ volatile("mov %%rsp, %0" : "=r"(take_sp));   /* no frame pointer forced */
    b->nfast = uw_backtrace(b->fast, MAX, &rep);
    if (rep.id) {
        b->nfast = known[rep.id].n;
        memcpy(b->fast, known[rep.id].f, sizeof b->fast);
        repeats_seen++;
    } else if (b->nfast > 0) {
        uw_repeat_done(&rep, intern(b->fast, b->nfast));
    }
    b->nslow = libunwind_bt(b->slow, MAX);
    __asm__ volatile("" ::: "memory");
}

static void assert_same(const struct both *b)
{
    assert_true(b->nfast > 2);
    assert_int_equal(b->nfast, b->nslow);
    for (int i = 1; i < b->nfast; i++)
        assert_ptr_equal(b->fast[i], b->slow[i]);
}

static void know_my_stack(void)
{
    pthread_attr_t a;
    void *lo;
    size_t size;
    assert_int_equal(pthread_getattr_np(pthread_self(), &a), 0);
    assert_int_equal(pthread_attr_getstack(&a, &lo, &size), 0);
    pthread_attr_destroy(&a);
    me.stack_lo = (uintptr_t)lo;
    me.stack_hi = (uintptr_t)lo + size;
    wd_tls.self = &me;
}

static int setup(void **state)
{
    (void)state;
    if (!imem_init())                           /* the rule table grows there */
        return -1;
    void *h = dlopen("libunwind.so.8", RTLD_NOW);
    libunwind_bt = h ? (int (*)(void **, int))dlsym(h, "unw_backtrace") : NULL;
    if (!libunwind_bt)
        return -1;
    know_my_stack();
    fault_init();                               /* guards walks of foreign stacks */
    wd_tls.memo = uw_memo_new();                /* as a registered thread has */
    return wd_tls.memo ? 0 : -1;
}

static __attribute__((noinline)) void plain(struct both *b, int depth)
{
    if (depth)
        plain(b, depth - 1);
    else
        take(b);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void with_vla(struct both *b, int n)
{
    volatile char buf[n];                    /* makes the frame rbp-based */
    buf[0] = 1;
    plain(b, buf[0] + 2);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline, optimize("no-omit-frame-pointer"))) void with_fp(struct both *b)
{
    with_vla(b, 100);
    __asm__ volatile("" ::: "memory");
}

static void test_simple(void **state)
{
    struct both b;
    (void)state;
    plain(&b, 3);
    assert_same(&b);
}

static void test_vla_and_frame_pointer(void **state)
{
    struct both b;
    (void)state;
    with_fp(&b);
    assert_same(&b);
}

static void test_deep_is_cut_at_max(void **state)
{
    struct both b;
    (void)state;
    for (int i = 0; i < 2; i++) {       /* the second reuses the first */
        plain(&b, 200);
        assert_int_equal(b.nfast, MAX);
        assert_same(&b);
    }
}

/* The same frames at the same stack addresses, called from two places:
 * a walk that reuses the last one's outer frames must see that the return
 * address in the frame of `from_two_places` changed. */
static __attribute__((noinline)) void from_two_places(struct both *b, int which)
{
    /* Code before and after each call, so that neither compiler hoists
     * or sinks the two calls into one. */
    if (which) {
        __asm__ volatile("nop");
        plain(b, 3);
        __asm__ volatile("nop");
    } else {
        __asm__ volatile("nop; nop");
        plain(b, 3);
        __asm__ volatile("nop; nop");
    }
    __asm__ volatile("" ::: "memory");
}

static void test_outer_frame_changed(void **state)
{
    struct both first, b;
    (void)state;
    for (int i = 0; i < 4; i++) {
        from_two_places(i ? &b : &first, i & 1);
        if (!i)
            continue;
        assert_same(&b);
        assert_int_equal(b.nfast, first.nfast);
        /* take, plain x 4, then the call site in from_two_places */
        if (i & 1)
            assert_ptr_not_equal(b.fast[5], first.fast[5]);
        else
            assert_ptr_equal(b.fast[5], first.fast[5]);
    }
}

/* A walk taken again from the same place is a repeat, also through
 * frames whose CFA is rbp's (with_vla); one whose outer frames changed
 * under the same top frames (from_two_places) is not, and its frames are
 * libunwind's. */
static void test_repeated_walks(void **state)
{
    struct both b;
    (void)state;
    unsigned before = repeats_seen;
    for (int i = 0; i < 3; i++) {
        plain(&b, 3);
        assert_same(&b);
    }
    assert_int_equal(repeats_seen, before + 2);
    for (int i = 0; i < 3; i++) {
        with_fp(&b);
        assert_same(&b);
    }
    assert_int_equal(repeats_seen, before + 4);
    struct both one, two;
    for (int i = 0; i < 6; i++) {
        from_two_places(&b, i & 1);
        assert_same(&b);
        if (i < 2)
            memcpy(i ? &one : &two, &b, sizeof b);
        else
            assert_memory_equal(&b.fast[1], i & 1 ? &one.fast[1] : &two.fast[1],
                                (size_t)(b.nfast - 1) * sizeof b.fast[0]);
    }
    assert_int_equal(repeats_seen, before + 4);
}

/* The same stack pointer and return address at the top, reached through a
 * frame whose CFA is rbp's (vla_at) at another rbp: outer_big's larger
 * frame is made up for by a smaller array. Both are called from one call
 * site, and the array is not written, so the return addresses of the last
 * walk are still where it read them: only rbp tells the walks apart. */
static uintptr_t vla_frame;

static __attribute__((noinline)) void vla_at(struct both *b, size_t n)
{
    volatile char buf[n];
    buf[0] = 1;
    vla_frame = (uintptr_t)__builtin_frame_address(0);
    if (b)
        plain(b, buf[0]);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void outer_small(struct both *b, size_t n)
{
    vla_at(b, n);
    __asm__ volatile("" ::: "memory");
}

static __attribute__((noinline)) void outer_big(struct both *b, size_t n)
{
    volatile char pad[512];
    pad[0] = 0;
    vla_at(b, n);
    __asm__ volatile("" : : "r"(pad) : "memory");
}

static void test_repeat_needs_the_same_rbp(void **state)
{
    void (*volatile outer)(struct both *, size_t);
    struct both b;
    (void)state;
    outer_small(NULL, 64);
    uintptr_t small = vla_frame;
    outer_big(NULL, 64);
    size_t d = small - vla_frame;
    assert_true(d >= 512 && d % 16 == 0);
    unsigned before = repeats_seen;
    uintptr_t first = 0;
    for (int i = 0; i < 6; i++) {
        outer = i & 1 ? outer_small : outer_big;
        outer(&b, i & 1 ? 64 + d : 64);
        assert_same(&b);
        if (!i)
            first = take_sp;
        assert_int_equal(take_sp, first);       /* the same top: only rbp differs */
    }
    assert_int_equal(repeats_seen, before);
}

static void *in_thread(void *arg)
{
    struct both *b = arg;
    struct wd_thread *saved = wd_tls.self;
    know_my_stack();
    wd_tls.memo = uw_memo_new();
    with_fp(b);
    with_fp(b);                     /* the second from the thread's memo */
    uw_memo_free(wd_tls.memo);
    wd_tls.self = saved;
    return NULL;
}

static void test_thread(void **state)
{
    struct both b;
    pthread_t t;
    (void)state;
    assert_int_equal(pthread_create(&t, NULL, in_thread, &b), 0);
    pthread_join(t, NULL);
    assert_same(&b);
}

static void test_unknown_stack_is_left_to_libunwind(void **state)
{
    void *f[MAX];
    (void)state;
    wd_tls.self = NULL;
    assert_int_equal(uw_backtrace(f, MAX, NULL), -1);
    know_my_stack();
}

/* Stacks of a switcher ward does not see: walked fast, bounded by the
 * mapping that holds them, and ending where libunwind ends, at the
 * switcher's entry, which has no unwind information. */
static struct both on_foreign;
static void *main_sp, *co_sp;

static void foreign_body(void *arg)
{
    (void)arg;
    for (;;) {
        with_fp(&on_foreign);
        fsw_switch(&co_sp, main_sp);
    }
}

static void walk_on(void *stack, size_t size)
{
    int saved = wd_state;
    wd_state = WD_ACTIVE;
    co_sp = fsw_make(stack, size, foreign_body, NULL);
    for (int i = 0; i < 3; i++) {
        memset(&on_foreign, 0, sizeof on_foreign);
        if (i == 2)
            uw_maps_changed();          /* the mapping is looked up again */
        fsw_switch(&main_sp, co_sp);
        assert_true(on_foreign.nfast > 0);
        assert_same(&on_foreign);
        /* take, plain x 4, with_vla, with_fp, foreign_body, the entry */
        assert_int_equal(on_foreign.nfast, 9);
    }
    wd_state = saved;
}

static void test_foreign_static_stack(void **state)
{
    static char stack[65536];
    (void)state;
    walk_on(stack, sizeof stack);
}

/* Between guard pages: the walk must read nothing past the mapping. */
static void test_foreign_mapped_stack(void **state)
{
    size_t page = 4096, size = 16 * page;
    char *m = mmap(NULL, size + 2 * page, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    (void)state;
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m, page, PROT_NONE), 0);
    assert_int_equal(mprotect(m + page + size, page, PROT_NONE), 0);
    walk_on(m + page, size);
    munmap(m, size + 2 * page);
}

/* A handler on an alternate stack: not the thread's stack, so -1. On the
 * thread's own stack, the signal frame is not followed: -1 too, or the
 * same frames as libunwind. */
static struct both in_handler;

static void handler(int sig)
{
    (void)sig;
    plain(&in_handler, 1);
}

static void test_signal_frames(void **state)
{
    (void)state;
    signal(SIGUSR1, handler);
    raise(SIGUSR1);
    if (in_handler.nfast != -1)
        assert_same(&in_handler);
    static char alt[65536];
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt };
    struct sigaction sa = { .sa_handler = handler, .sa_flags = SA_ONSTACK };
    assert_int_equal(sigaltstack(&ss, NULL), 0);
    sigaction(SIGUSR2, &sa, NULL);
    raise(SIGUSR2);
    assert_int_equal(in_handler.nfast, -1);
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
}

/* Walks interrupted by a signal handler that walks too (as one that
 * allocates does) still match libunwind's, thousands of times over: the
 * handler's walk finds the thread's memo in use and leaves it alone, or
 * uses it and stops at the signal frame without recording anything. */
static volatile sig_atomic_t walks_in_handler;

static void walking_handler(int sig)
{
    void *f[MAX];
    (void)sig;
    uw_backtrace(f, MAX, NULL);
    walks_in_handler++;
}

static void test_signals_during_walks(void **state)
{
    struct both b;
    struct sigaction sa = { .sa_handler = walking_handler, .sa_flags = SA_RESTART };
    struct itimerval on = { { 0, 50 }, { 0, 50 } }, off = { { 0, 0 }, { 0, 0 } };
    (void)state;
    sigaction(SIGPROF, &sa, NULL);
    assert_int_equal(setitimer(ITIMER_PROF, &on, NULL), 0);
    for (int i = 0; i < 20000 || (walks_in_handler < 100 && i < 2000000); i++) {
        plain(&b, 10 + i % 7);
        assert_same(&b);
    }
    setitimer(ITIMER_PROF, &off, NULL);
    assert_true(walks_in_handler > 0);
    signal(SIGPROF, SIG_DFL);
}

static void test_forget_then_again(void **state)
{
    struct both b;
    (void)state;
    uw_forget();
    with_fp(&b);
    assert_same(&b);
}

/* A thousand functions with frames of a thousand sizes, each calling
 * from three places: 3,000 return addresses with rules of their own
 * (three for each frame size), so the rule table, which starts at 1,024
 * entries, grows twice while being used; a rule copied to the wrong
 * address would send the walk astray. */
#define FN(k)                                                           \
    static __attribute__((noinline)) void fn##k(struct both *b, int which) \
    {                                                                   \
        volatile char pad[16 * k + 8];                                  \
        pad[0] = 0;                                                     \
        if (which == 0) {               /* what follows each call differs, */ \
            plain(b, 0);                /* so the three are not merged */     \
            __asm__ volatile("nop");                                    \
        } else if (which == 1) {                                        \
            plain(b, 0);                                                \
            __asm__ volatile("nop; nop");                               \
        } else {                                                        \
            plain(b, 0);                                                \
            __asm__ volatile("nop; nop; nop");                          \
        }                                                               \
        __asm__ volatile("" : : "r"(pad) : "memory");                   \
    }
#define FN10(k) FN(k##0) FN(k##1) FN(k##2) FN(k##3) FN(k##4) FN(k##5) FN(k##6) FN(k##7) \
    FN(k##8) FN(k##9)
#define FN100(k) FN10(k##0) FN10(k##1) FN10(k##2) FN10(k##3) FN10(k##4) FN10(k##5)     \
    FN10(k##6) FN10(k##7) FN10(k##8) FN10(k##9)
#define P10(k) fn##k##0, fn##k##1, fn##k##2, fn##k##3, fn##k##4, fn##k##5, fn##k##6,   \
    fn##k##7, fn##k##8, fn##k##9,
#define P100(k) P10(k##0) P10(k##1) P10(k##2) P10(k##3) P10(k##4) P10(k##5) P10(k##6)  \
    P10(k##7) P10(k##8) P10(k##9)

FN100(1) FN100(2) FN100(3) FN100(4) FN100(5) FN100(6) FN100(7) FN100(8) FN100(9)
FN100(10)

static void (*const fns[])(struct both *, int) = {
    P100(1) P100(2) P100(3) P100(4) P100(5) P100(6) P100(7) P100(8) P100(9) P100(10)
};

static void test_many_return_addresses(void **state)
{
    struct both b;
    (void)state;
    uw_forget();
    for (int round = 0; round < 2; round++)
        for (size_t k = 0; k < WD_ARRAY_LEN(fns); k++)
            for (int which = 0; which < 3; which++) {
                fns[k](&b, which);
                assert_same(&b);
            }
    assert_true(uw_table_size() >= 4096);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_vla_and_frame_pointer),
        cmocka_unit_test(test_deep_is_cut_at_max),
        cmocka_unit_test(test_outer_frame_changed),
        cmocka_unit_test(test_repeated_walks),
        cmocka_unit_test(test_repeat_needs_the_same_rbp),
        cmocka_unit_test(test_thread),
        cmocka_unit_test(test_unknown_stack_is_left_to_libunwind),
        cmocka_unit_test(test_foreign_static_stack),
        cmocka_unit_test(test_foreign_mapped_stack),
        cmocka_unit_test(test_signal_frames),
        cmocka_unit_test(test_signals_during_walks),
        cmocka_unit_test(test_forget_then_again),
        cmocka_unit_test(test_many_return_addresses),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
