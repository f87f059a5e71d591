/* Ward's internal allocator (see imem.h): power-of-two free lists over a
 * bump pointer in one read-write, uncommitted reservation. Internal
 * allocations are rare next to the program's (a cache per thread, a
 * quarantine batch per thousand frees), so one lock is enough. */
#include "imem.h"
#include "prim.h"

#include <string.h>
#include <sys/mman.h>

#define IMEM_MIN_SHIFT 6            /* 64-byte granules */
#define IMEM_CLASSES   40
#define IMEM_RELEASE   (1UL << 20)  /* return pages of freed chunks this big */

static struct {
    wd_lock lock;
    char *base, *bump, *end;
    char *limit;                    /* the bump stops here (see imem_limit) */
    void *free[IMEM_CLASSES];       /* singly linked through the first word */
} im;

bool imem_init(void)
{
    /* Uncommitted read-write space: pages only cost memory once touched. */
    for (size_t size = 1UL << 36; size >= (1UL << 28); size >>= 1) {
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p != MAP_FAILED) {
            im.base = im.bump = p;
            im.end = im.limit = im.base + size;
            return true;
        }
    }
    return false;
}

static unsigned imem_class(size_t size)
{
    unsigned c = 0;
    size_t cap = 1UL << IMEM_MIN_SHIFT;
    while (cap < size) {
        cap <<= 1;
        c++;
    }
    return c;
}

void *imem_alloc(size_t size)
{
    unsigned c = imem_class(size);
    size_t cap = 1UL << (c + IMEM_MIN_SHIFT);
    void *p = NULL;
    if (c >= IMEM_CLASSES)
        return NULL;
    prim_lock(&im.lock);
    if (im.free[c]) {
        p = im.free[c];
        im.free[c] = *(void **)p;
    } else if ((size_t)(im.limit - im.bump) >= cap) {
        p = im.bump;
        im.bump += cap;
        prim_unlock(&im.lock);
        return p;                   /* fresh pages are already zero */
    }
    prim_unlock(&im.lock);
    if (p)
        memset(p, 0, cap >= IMEM_RELEASE ? sizeof(void *) : cap);
    return p;
}

/* Gives a big free block's pages back; they read as zero from then on,
 * which imem_alloc counts on. Blocks are carved at 64-byte steps, so most
 * do not start on a page: the partial pages at the ends are cleared by
 * hand (madvise of an unaligned start fails, and the block kept its old
 * contents: a reused hash table read them as entries). */
static void release(void *p, size_t cap)
{
    uintptr_t lo = WD_ALIGN_UP((uintptr_t)p, WD_PAGE);
    uintptr_t hi = WD_ALIGN_DOWN((uintptr_t)p + cap, WD_PAGE);
    if (hi <= lo || madvise((void *)lo, hi - lo, MADV_DONTNEED) != 0) {
        memset(p, 0, cap);
        return;
    }
    memset(p, 0, lo - (uintptr_t)p);
    memset((void *)hi, 0, (uintptr_t)p + cap - hi);
}

void imem_free(void *p, size_t size)
{
    if (!p)
        return;
    unsigned c = imem_class(size);
    size_t cap = 1UL << (c + IMEM_MIN_SHIFT);
    if (cap >= IMEM_RELEASE)        /* big scratch: give the memory back */
        release(p, cap);
    prim_lock(&im.lock);
    *(void **)p = im.free[c];
    im.free[c] = p;
    prim_unlock(&im.lock);
}

void *imem_grow(void *p, size_t old_size, size_t new_size)
{
    if (p && imem_class(old_size) == imem_class(new_size))
        return p;
    void *q = imem_alloc(new_size);
    if (q && p)
        memcpy(q, p, old_size < new_size ? old_size : new_size);
    if (q)
        imem_free(p, old_size);
    return q;
}

void imem_limit(size_t more)
{
    prim_lock(&im.lock);
    if ((size_t)(im.end - im.bump) > more)
        im.limit = im.bump + more;
    prim_unlock(&im.lock);
}

bool imem_contains(const void *p)
{
    return (const char *)p >= im.base && (const char *)p < im.end;
}

void imem_range(uintptr_t *lo, uintptr_t *hi)
{
    *lo = (uintptr_t)im.base;
    *hi = (uintptr_t)im.end;
}

void imem_atfork_prepare(void) { prim_lock(&im.lock); }
void imem_atfork_parent(void)  { prim_unlock(&im.lock); }
void imem_atfork_child(void)   { prim_lock_reset(&im.lock); }

#define RUN_STACK_SIZE (1UL << 20)

void imem_run_on_stack(void (*fn)(void *), void *arg)
{
    char *stack = imem_alloc(RUN_STACK_SIZE);
    if (!stack) {
        fn(arg);
        return;
    }
    prim_call_on_stack(fn, arg, stack + RUN_STACK_SIZE);
    imem_free(stack, RUN_STACK_SIZE);
}
