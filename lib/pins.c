/* The pin table (see pins.h): open addressing with tombstones, under one
 * lock; pinning is rare next to allocation. */
#include "pins.h"
#include "imem.h"
#include "prim.h"

#define TOMB ((uintptr_t)1)

struct pin { uintptr_t user; uint32_t stack; };

static struct {
    wd_lock lock;
    struct pin *tab;
    size_t cap, used;               /* used counts tombstones too */
} pn;

static size_t slot_of(uintptr_t user, size_t cap)
{
    return (size_t)((user >> 4) * 0x9E3779B97F4A7C15ull >> 20) & (cap - 1);
}

static bool grow(void)
{
    size_t cap = pn.cap ? pn.cap * 2 : 256;
    struct pin *t = imem_alloc(cap * sizeof *t);
    if (!t)
        return false;
    size_t used = 0;
    for (size_t i = 0; i < pn.cap; i++) {
        if (pn.tab[i].user <= TOMB)
            continue;
        size_t j = slot_of(pn.tab[i].user, cap);
        while (t[j].user)
            j = (j + 1) & (cap - 1);
        t[j] = pn.tab[i];
        used++;
    }
    imem_free(pn.tab, pn.cap * sizeof *t);
    pn.tab = t;
    pn.cap = cap;
    pn.used = used;
    return true;
}

static struct pin *find(uintptr_t user)
{
    if (!pn.cap)
        return NULL;
    for (size_t i = slot_of(user, pn.cap);; i = (i + 1) & (pn.cap - 1)) {
        if (pn.tab[i].user == user)
            return &pn.tab[i];
        if (pn.tab[i].user == 0)
            return NULL;
    }
}

void pins_add(uintptr_t user, uint32_t stack)
{
    prim_lock(&pn.lock);
    struct pin *p = find(user);
    if (p) {
        p->stack = stack;
    } else if ((pn.used + 1) * 2 <= pn.cap || grow()) {
        size_t i = slot_of(user, pn.cap);
        while (pn.tab[i].user > TOMB)
            i = (i + 1) & (pn.cap - 1);
        if (pn.tab[i].user == 0)
            pn.used++;
        pn.tab[i] = (struct pin){ user, stack };
    }
    prim_unlock(&pn.lock);
}

void pins_remove(uintptr_t user)
{
    prim_lock(&pn.lock);
    struct pin *p = find(user);
    if (p)
        p->user = TOMB;
    prim_unlock(&pn.lock);
}

uint32_t pins_stack(uintptr_t user)
{
    prim_lock(&pn.lock);
    struct pin *p = find(user);
    uint32_t s = p ? p->stack : 0;
    prim_unlock(&pn.lock);
    return s;
}

void pins_atfork_prepare(void) { prim_lock(&pn.lock); }
void pins_atfork_parent(void)  { prim_unlock(&pn.lock); }
void pins_atfork_child(void)   { prim_lock_reset(&pn.lock); }
