/* Which loaded objects define C++'s operators new and delete (see cxx.h).
 *
 * dl_iterate_phdr lists the objects in load order, which for the ones
 * loaded at start is the order symbols are looked up in: the definition an
 * operator of ward's hides is the first one after ward's own object. A
 * library loaded later with dlopen only joins the lookup after all of
 * them, so only the C++ runtime is looked for there (a C program loading
 * a C++ plugin). */
#define _GNU_SOURCE
#include "cxx.h"
#include "dynsym.h"
#include "options.h"
#include "prim.h"

#include <link.h>
#include <stdatomic.h>

static const char *const names[CXX_NOPS] = {
    "_Znwm", "_Znam", "_ZnwmRKSt9nothrow_t", "_ZnamRKSt9nothrow_t",
    "_ZnwmSt11align_val_t", "_ZnamSt11align_val_t",
    "_ZnwmSt11align_val_tRKSt9nothrow_t", "_ZnamSt11align_val_tRKSt9nothrow_t",
    "_ZdlPv", "_ZdaPv", "_ZdlPvm", "_ZdaPvm", "_ZdlPvRKSt9nothrow_t",
    "_ZdaPvRKSt9nothrow_t", "_ZdlPvSt11align_val_t", "_ZdaPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t", "_ZdaPvmSt11align_val_t",
    "_ZdlPvSt11align_val_tRKSt9nothrow_t", "_ZdaPvSt11align_val_tRKSt9nothrow_t",
};

static struct {
    wd_lock lock;
    _Atomic bool scanned, replaced;
    _Atomic(void *) next[CXX_NOPS];
    unsigned long long changes;     /* dlpi_adds + dlpi_subs when scanned */
    unsigned initial;               /* objects loaded at the first scan */
} cx;

struct pass {
    unsigned index;
    bool after_ward, replaced;
    void *next[CXX_NOPS];
};

static bool holds(const struct dl_phdr_info *info, uintptr_t addr)
{
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (ph->p_type == PT_LOAD && addr >= lo && addr < lo + ph->p_memsz)
            return true;
    }
    return false;
}

static bool is_runtime(const char *path)
{
    return dynsym_named(path, "libstdc++.so") || dynsym_named(path, "libc++.so") ||
           dynsym_named(path, "libc++abi.so");
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct pass *p = arg;
    unsigned index = p->index++;
    (void)size;
    if (holds(info, (uintptr_t)visit)) {
        p->after_ward = true;
        return 0;
    }
    bool runtime = is_runtime(info->dlpi_name);
    bool in_lookup = p->after_ward && (index < cx.initial || !cx.initial);
    for (unsigned i = 0; i < CXX_NOPS; i++) {
        uintptr_t a = dynsym_lookup(info, names[i]);
        if (!a)
            continue;
        if (!runtime)
            p->replaced = true;
        if (!p->next[i] && (in_lookup || runtime))
            p->next[i] = (void *)a;
    }
    return 0;
}

void cxx_scan(void)
{
    unsigned long long changes = prim_dl_changes();
    prim_lock(&cx.lock);
    if (!atomic_load(&cx.scanned) || changes != cx.changes) {
        struct pass p = { 0 };
        dl_iterate_phdr(visit, &p);
        if (!cx.initial)
            cx.initial = p.index;
        for (unsigned i = 0; i < CXX_NOPS; i++)
            atomic_store_explicit(&cx.next[i], p.next[i], memory_order_release);
        /* A replacement once seen stays: blocks it made may still be live. */
        if (p.replaced)
            atomic_store(&cx.replaced, true);
        cx.changes = changes;
        atomic_store(&cx.scanned, true);
    }
    prim_unlock(&cx.lock);
}

bool cxx_replaced(void)
{
    if (WD_UNLIKELY(!atomic_load_explicit(&cx.scanned, memory_order_acquire)))
        cxx_scan();
    return atomic_load_explicit(&cx.replaced, memory_order_relaxed);
}

void *cxx_next(enum cxx_op op)
{
    if (WD_UNLIKELY(!atomic_load_explicit(&cx.scanned, memory_order_acquire)))
        cxx_scan();
    return atomic_load_explicit(&cx.next[op], memory_order_acquire);
}

bool cxx_may_report(void)
{
    cxx_scan();
    return !atomic_load(&cx.replaced);
}

void cxx_atfork_prepare(void) { prim_lock(&cx.lock); }
void cxx_atfork_parent(void)  { prim_unlock(&cx.lock); }
void cxx_atfork_child(void)   { prim_lock_reset(&cx.lock); }
