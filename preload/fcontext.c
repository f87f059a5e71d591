/* boost.context's switcher (make_fcontext, jump_fcontext, ontop_fcontext,
 * exported by libboost_context), interposed, so that ward follows the
 * coroutines of boost::context::fiber and callcc, boost.coroutine2,
 * boost.fiber and asio's spawn without any change to the program, as it
 * follows ucontext's.
 *
 * make_fcontext makes a coroutine on the stack it is given. A context
 * boost.context saves is a stack pointer into the stack it was saved on,
 * so the coroutine a jump goes to is the one whose stack holds that
 * pointer (0 for a thread's own stack); a pointer into a stack ward does
 * not know is a switch it leaves unrecorded, as coro_sync does. A fiber's
 * end is seen when its stack is freed, unmapped or taken by a new one
 * (see lib/coro.c). */
#define _GNU_SOURCE
#include "core.h"
#include "coro.h"
#include "next.h"

#include <dlfcn.h>

typedef struct {
    void *fctx;
    void *data;
} transfer_t;

typedef void *(*make_fn)(void *, size_t, void (*)(transfer_t));
typedef transfer_t (*jump_fn)(void *, void *);
typedef transfer_t (*ontop_fn)(void *, void *, transfer_t (*)(transfer_t));

static make_fn real_make;
static jump_fn real_jump;
static ontop_fn real_ontop;

static void resolve(void)
{
    if (WD_LIKELY(real_jump))
        return;
    real_make = (make_fn)preload_next("make_fcontext");
    real_ontop = (ontop_fn)preload_next("ontop_fcontext");
    __atomic_store_n(&real_jump, (jump_fn)preload_next("jump_fcontext"), __ATOMIC_RELEASE);
}

/* At start, for a program linked with libboost_context: dlsym takes the
 * dynamic linker's lock, which a library constructor may hold while it
 * waits for a thread about to make its first fiber. A library loaded
 * later is looked up at its first call. */
__attribute__((constructor(102))) static void resolve_at_start(void)
{
    resolve();
    /* A program without boost is left no error to find; the message's
     * memory is ward's own. */
    wd_tls.in_ward++;
    dlerror();
    wd_tls.in_ward--;
}

/* sp is the top of the stack, size how much of it lies below. */
WD_EXPORT void *make_fcontext(void *sp, size_t size, void (*fn)(transfer_t))
{
    resolve();
    if (wd_state == WD_ACTIVE && sp && size && (uintptr_t)sp >= size) {
        wd_tls.in_ward++;
        coro_ends_with_stack(coro_create(NULL, (char *)sp - size, size,
                                         stacks_capture(__builtin_return_address(0))));
        wd_tls.in_ward--;
    }
    return real_make(sp, size, fn);
}

/* Records the switch to the context saved at to; returns the coroutine
 * the caller runs as, to set again if it comes back unseen. */
static uint32_t switch_to(void *to, uint32_t yield_stack)
{
    uint32_t me = coro_current(), target = coro_at((uintptr_t)to);
    if (target != UINT32_MAX && target != me)
        coro_switch(target, yield_stack);
    return me;
}

/* Back in a context saved here: whoever switched here said so already;
 * this covers switches ward did not see. */
static void back(uint32_t me)
{
    if (coro_current() != me)
        coro_switch(me, STACK_NONE);
}

WD_EXPORT transfer_t jump_fcontext(void *to, void *vp)
{
    resolve();
    if (wd_state != WD_ACTIVE)
        return real_jump(to, vp);
    uint32_t me = switch_to(to, core_capture(__builtin_return_address(0)));
    transfer_t t = real_jump(to, vp);
    back(me);
    return t;
}

WD_EXPORT transfer_t ontop_fcontext(void *to, void *vp, transfer_t (*fn)(transfer_t))
{
    resolve();
    if (wd_state != WD_ACTIVE)
        return real_ontop(to, vp, fn);
    uint32_t me = switch_to(to, core_capture(__builtin_return_address(0)));
    transfer_t t = real_ontop(to, vp, fn);
    back(me);
    return t;
}
