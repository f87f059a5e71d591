/* The ucontext family, interposed, so that ward follows coroutines made
 * with makecontext and switched with swapcontext/setcontext without any
 * change to the program.
 *
 * Each ucontext_t is bound to the coroutine that last saved itself there
 * (getcontext, swapcontext's first argument) or was made there
 * (makecontext); switching to a context switches to its coroutine. A
 * context made by makecontext runs through a trampoline, so ward sees the
 * coroutine's function return. */
#define _GNU_SOURCE
#include "core.h"
#include "next.h"
#include "coro.h"
#include "stacks.h"
#include "imem.h"
#include "prim.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <string.h>
#include <ucontext.h>

#define BIND_BITS 16

typedef int  (*swap_fn)(ucontext_t *, const ucontext_t *);
typedef int  (*set_fn)(const ucontext_t *);
typedef void (*make_fn)(ucontext_t *, void (*)(void), int, ...);

static swap_fn real_swap;
static set_fn  real_set;
static make_fn real_make;
void *ward_real_getcontext;          /* used by the assembly stub below */

/* ucontext_t address -> coroutine: a small table under a lock, with a
 * per-thread memo in front, since a scheduler switches between the same
 * few contexts over and over. A binding changed by any thread bumps the
 * generation, which empties every thread's memo. */
static struct {
    wd_lock lock;
    struct { uintptr_t ctx; uint32_t coro; } *tab;
    _Atomic uint32_t gen;
} bind;

static WD_TLS struct { uintptr_t ctx[8]; uint32_t coro[8]; uint32_t gen; } memo;

/* Empties this thread's memo if another binding changed since it filled. */
static void memo_check(void)
{
    uint32_t gen = atomic_load_explicit(&bind.gen, memory_order_acquire);
    if (memo.gen != gen) {
        memset(memo.ctx, 0, sizeof memo.ctx);
        memo.gen = gen;
    }
}

static void resolve(void)
{
    if (real_swap)
        return;
    real_make = (make_fn)preload_next("makecontext");
    real_set = (set_fn)preload_next("setcontext");
    ward_real_getcontext = preload_next("getcontext");
    __atomic_store_n(&real_swap, (swap_fn)preload_next("swapcontext"), __ATOMIC_RELEASE);
}

static unsigned memo_slot(const void *ctx)
{
    return (unsigned)((uintptr_t)ctx >> 6) & 7;
}

static uint32_t bind_slot(uintptr_t ctx)
{
    return (uint32_t)((ctx >> 4) * 0x9E3779B97F4A7C15ull >> (64 - BIND_BITS));
}

static void bind_context(const void *ctx, uint32_t coro)
{
    unsigned m = memo_slot(ctx);
    memo_check();
    if (memo.ctx[m] == (uintptr_t)ctx && memo.coro[m] == coro)
        return;
    prim_lock(&bind.lock);
    if (!bind.tab)
        bind.tab = imem_alloc(sizeof *bind.tab << BIND_BITS);
    if (bind.tab) {
        uint32_t mask = (1u << BIND_BITS) - 1, i = bind_slot((uintptr_t)ctx);
        /* A full table drops its oldest neighbour: a wrong guess later is
         * better than no switch. */
        for (uint32_t k = 0; k < 64; k++, i = (i + 1) & mask)
            if (!bind.tab[i].ctx || bind.tab[i].ctx == (uintptr_t)ctx)
                break;
        if (bind.tab[i].ctx && (bind.tab[i].ctx != (uintptr_t)ctx || bind.tab[i].coro != coro))
            atomic_fetch_add_explicit(&bind.gen, 1, memory_order_release);
        bind.tab[i].ctx = (uintptr_t)ctx;
        bind.tab[i].coro = coro;
    }
    prim_unlock(&bind.lock);
    memo_check();
    memo.ctx[m] = (uintptr_t)ctx;
    memo.coro[m] = coro;
}

static uint32_t bound_coro(const void *ctx)
{
    unsigned m = memo_slot(ctx);
    uint32_t coro = 0;
    memo_check();
    if (memo.ctx[m] == (uintptr_t)ctx)
        return memo.coro[m];
    prim_lock(&bind.lock);
    if (bind.tab) {
        uint32_t mask = (1u << BIND_BITS) - 1, i = bind_slot((uintptr_t)ctx);
        for (uint32_t k = 0; k < 64 && bind.tab[i].ctx; k++, i = (i + 1) & mask)
            if (bind.tab[i].ctx == (uintptr_t)ctx) {
                coro = bind.tab[i].coro;
                break;
            }
    }
    prim_unlock(&bind.lock);
    return coro;
}

/* getcontext returns a second time when someone switches to what it saved,
 * so it must not have a frame of ours in between: the stub binds the
 * context, then jumps to glibc's getcontext with the caller's return
 * address still on top of the stack. */
void ward_bind_current(ucontext_t *ucp);
void ward_bind_current(ucontext_t *ucp)
{
    resolve();
    if (wd_state == WD_ACTIVE)
        bind_context(ucp, coro_current());
}

__asm__(".text\n"
        ".globl getcontext\n"
        ".type getcontext, @function\n"
        "getcontext:\n"
        "    push %rdi\n"
        "    call ward_bind_current\n"
        "    pop %rdi\n"
        "    jmp *ward_real_getcontext(%rip)\n"
        ".size getcontext, .-getcontext\n");

WD_EXPORT int swapcontext(ucontext_t *oucp, const ucontext_t *ucp)
{
    resolve();
    if (wd_state != WD_ACTIVE)
        return real_swap(oucp, ucp);
    uint32_t me = coro_current();
    bind_context(oucp, me);
    coro_switch(bound_coro(ucp), core_capture(__builtin_return_address(0)));
    int rc = real_swap(oucp, ucp);
    /* Back: whoever switched here said so already; this covers switches
     * ward did not see. */
    if (coro_current() != me)
        coro_switch(me, STACK_NONE);
    return rc;
}

WD_EXPORT int setcontext(const ucontext_t *ucp)
{
    resolve();
    if (wd_state == WD_ACTIVE)
        coro_switch(bound_coro(ucp), core_capture(__builtin_return_address(0)));
    return real_set(ucp);
}

/* What a coroutine made by makecontext runs. It lives at the top of the
 * coroutine's own stack, above the frame makecontext builds: nothing the
 * coroutine runs writes there, it lasts exactly as long as the context can
 * be switched to (a context may run again after it finished, long after
 * ward let its record go), and it costs nothing to free. */
struct start {
    uint32_t id;
    void (*fn)(void);
    const void *link;               /* uc_link: where it goes when fn returns */
    long args[8];
};

#define START_ROOM ((sizeof(struct start) + 15) & ~(size_t)15)

/* Every coroutine made by makecontext starts here: runs the program's
 * function, then tells ward it finished and where it goes next. */
static long trampoline(long arg)
{
    const struct start *s = (const struct start *)arg;
    coro_restart(s->id);
    /* What the function leaves in rax is passed on: where glibc's stack
     * leads a finished context run again into exit, it is the status. */
    typedef long (*f8)(long, long, long, long, long, long, long, long);
    const long *a = s->args;
    long rax = ((f8)s->fn)(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
    /* Where its end was seen, for a report then: the function it ran
     * (frames are stored plus one, see stacks.h). */
    uintptr_t entry = (uintptr_t)s->fn + 1;
    wd_tls.in_ward++;               /* as core_capture: a handler's malloc is internal */
    uint32_t at = stacks_intern(&entry, 1);
    wd_tls.in_ward--;
    coro_exit(s->id, at);
    coro_switch(s->link ? bound_coro(s->link) : 0, STACK_NONE);
    return rax;
}

/* Passes argc arguments on, as long as they fit the trampoline's eight;
 * more go straight to glibc, and that coroutine's end goes unseen. The
 * trampoline is made with one argument where the program gave up to six
 * and with seven where it gave more, so that glibc lays the new stack out
 * alike: arguments past the sixth go on the stack, and whether a context
 * run again after it finished exits at its end or goes on to uc_link
 * depends on that layout. */
WD_EXPORT void makecontext(ucontext_t *ucp, void (*fn)(void), int argc, ...)
{
    long a[16] = { 0 };
    va_list ap;
    va_start(ap, argc);
    for (int i = 0; i < argc && i < 16; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    resolve();
    uintptr_t lo = (uintptr_t)ucp->uc_stack.ss_sp, size = ucp->uc_stack.ss_size;
    uintptr_t top = (lo + size) & ~(uintptr_t)15;
    uint32_t id = 0;
    if (wd_state == WD_ACTIVE && argc <= 8 && lo && size >= 4 * START_ROOM) {
        wd_tls.in_ward++;
        id = coro_create(NULL, ucp->uc_stack.ss_sp, size,
                         stacks_capture(__builtin_return_address(0)));
        wd_tls.in_ward--;
    }
    if (!id) {
        real_make(ucp, fn, argc, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8],
                  a[9], a[10], a[11], a[12], a[13], a[14], a[15]);
        return;
    }
    struct start *s = (struct start *)(top - START_ROOM);
    *s = (struct start){ id, fn, ucp->uc_link, { a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7] } };
    ucp->uc_stack.ss_size = (uintptr_t)s - lo;
    real_make(ucp, (void (*)(void))trampoline, argc <= 6 ? 1 : 7, (long)s, 0L, 0L, 0L, 0L, 0L, 0L);
    ucp->uc_stack.ss_size = size;
    bind_context(ucp, id);
}
