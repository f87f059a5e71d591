/* ward.h's calls, behind the one symbol the library exports for them:
 * the table "ward_api_v1" that the header's inline functions look up. */
#include "ward.h"
#include "core.h"
#include "coro.h"
#include "owners.h"
#include "stacks.h"
#include "threads.h"
#include "trace_write.h"

/* The calls that act on the current coroutine first check, by the stack
 * pointer, that ward knows which one runs (see coro_sync). */
static bool ready(void)
{
    if (wd_state != WD_ACTIVE)
        return false;
    wd_tls.in_ward++;
    if (!wd_tls.self)
        threads_self();
    coro_sync((uintptr_t)__builtin_frame_address(0), STACK_NONE);
    wd_tls.in_ward--;
    return wd_tls.owners != NULL;
}

static void api_owner_push(const char *name)
{
    if (!ready())
        return;
    uint16_t id = owners_intern(name);
    owners_push(wd_tls.owners, id);
    if (trace_on)
        trace_owner_push(id);
}

static void api_owner_pop(void)
{
    if (!ready())
        return;
    owners_pop(wd_tls.owners);
    if (trace_on)
        trace_owner_pop();
}

static int api_owner_set(void *ptr, const char *name)
{
    return wd_state == WD_ACTIVE ? core_owner_set(ptr, name) : -1;
}

static const char *api_owner_of(const void *ptr)
{
    return wd_state == WD_ACTIVE ? core_owner_of(ptr) : NULL;
}

static int api_pin(void *ptr)
{
    if (wd_state != WD_ACTIVE)
        return -1;
    return core_pin(ptr, core_capture(__builtin_return_address(0)));
}

static int api_unpin(void *ptr)
{
    return wd_state == WD_ACTIVE ? core_unpin(ptr) : -1;
}

static void *api_malloc_pinned(size_t size)
{
    if (wd_state != WD_ACTIVE)
        return malloc(size);
    return core_alloc_pinned(size, core_capture(__builtin_return_address(0)));
}

static int api_coro_register(const char *name, void *stack, size_t size)
{
    if (!ready())
        return 0;
    wd_tls.in_ward++;
    uint32_t id = coro_create(name, stack, size, stacks_capture(__builtin_return_address(0)));
    wd_tls.in_ward--;
    return (int)id;
}

static void api_coro_switch(int id)
{
    if (ready() && id >= 0)
        coro_switch((uint32_t)id, core_capture(__builtin_return_address(0)));
}

static void api_coro_exit(int id)
{
    if (ready() && id > 0)
        coro_exit((uint32_t)id, core_capture(__builtin_return_address(0)));
}

static void api_coro_name(const char *name)
{
    if (ready())
        coro_name(name);
}

WD_EXPORT const struct ward_api ward_api_v1 = {
    .size = sizeof(struct ward_api),
    .owner_push = api_owner_push,
    .owner_pop = api_owner_pop,
    .owner_set = api_owner_set,
    .owner_of = api_owner_of,
    .pin = api_pin,
    .unpin = api_unpin,
    .malloc_pinned = api_malloc_pinned,
    .coro_register = api_coro_register,
    .coro_switch = api_coro_switch,
    .coro_exit = api_coro_exit,
    .coro_name = api_coro_name,
};
