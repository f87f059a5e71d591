/* Owner names and counters (see owners.h). Interning takes a lock: names
 * are pushed far less often than blocks are allocated. */
#include "owners.h"
#include "imem.h"
#include "prim.h"
#include "report.h"
#include "threads.h"
#include "trace_write.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 128
#define HASH_SIZE    (1u << 17)         /* twice OWNER_MAX: half full at most */

struct owner {
    const char *name;
    _Atomic int64_t live_bytes, live_blocks, peak_bytes;
    _Atomic uint64_t allocs;
};

static struct {
    wd_lock lock;
    struct owner *tab;
    uint32_t *hash;                 /* id + 1, 0 = empty */
    _Atomic uint32_t count;
    char *names;                    /* interned strings, back to back */
    struct owner_stats *pending;    /* unflushed counts of stopped threads */
    size_t names_used, names_cap;
} ow;

static uint32_t hash_name(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

bool owners_init(void)
{
    ow.tab = imem_alloc((OWNER_MAX + 1) * sizeof *ow.tab);
    ow.hash = imem_alloc(HASH_SIZE * sizeof *ow.hash);
    ow.names_cap = (size_t)(OWNER_MAX + 1) * (NAME_MAX_LEN + 1);
    ow.names = imem_alloc(ow.names_cap);
    if (!ow.tab || !ow.hash || !ow.names)
        return false;
    return owners_intern("main") == OWNER_MAIN;
}

uint16_t owners_intern(const char *name)
{
    size_t n = name ? strnlen(name, NAME_MAX_LEN) : 0;
    if (!name || !ow.tab)
        return OWNER_MAIN;
    uint32_t h = hash_name(name, n), i = h & (HASH_SIZE - 1), id;
    prim_lock(&ow.lock);
    for (;; i = (i + 1) & (HASH_SIZE - 1)) {
        uint32_t e = ow.hash[i];
        if (e == 0)
            break;
        const char *s = ow.tab[e - 1].name;
        if (strncmp(s, name, n) == 0 && s[n] == '\0') {
            prim_unlock(&ow.lock);
            return (uint16_t)(e - 1);
        }
    }
    id = atomic_load(&ow.count);
    if (id > OWNER_MAX) {
        prim_unlock(&ow.lock);
        report_warning_once("more than 65536 owner names (each distinct thread name is "
                            "one too); further ones are counted as \"main\" (owner names "
                            "are meant for parts of a program, not for each object)");
        return OWNER_MAIN;
    }
    char *copy = ow.names + ow.names_used;
    memcpy(copy, name, n);
    copy[n] = '\0';
    ow.names_used += n + 1;
    ow.tab[id].name = copy;
    ow.hash[i] = id + 1;
    atomic_store(&ow.count, id + 1);
    prim_unlock(&ow.lock);
    if (trace_on)
        trace_owner_def((uint16_t)id, copy);
    return (uint16_t)id;
}

const char *owners_name(uint16_t id)
{
    return id < atomic_load(&ow.count) ? ow.tab[id].name : "?";
}

uint32_t owners_count(void)
{
    return atomic_load(&ow.count);
}

/* The shared counters plus every live thread's cache, read as they are
 * (the calling thread's too): flushing its own cache here would race a
 * count() that a signal handler calling mallinfo interrupted, and the
 * others' are theirs to flush. */
int64_t owners_live_bytes(void)
{
    int64_t bytes = 0;
    for (uint32_t id = 0, n = owners_count(); id < n; id++)
        bytes += atomic_load(&ow.tab[id].live_bytes);
    for (uint32_t i = threads_next(0), n = threads_count(); i < n; i = threads_next(i + 1)) {
        struct wd_thread *t = threads_get(i);
        if (!t || !atomic_load(&t->alive))
            continue;
        for (unsigned k = 0; k < WD_ARRAY_LEN(t->ocache.e); k++)
            if (__atomic_load_n(&t->ocache.e[k].used, __ATOMIC_RELAXED))
                bytes += __atomic_load_n(&t->ocache.e[k].bytes, __ATOMIC_RELAXED);
    }
    return bytes;
}

void owners_push(struct owner_stack *s, uint16_t id)
{
    if (s->depth < OWNER_STACK_MAX)
        s->id[s->depth] = id;
    s->depth++;
}

void owners_pop(struct owner_stack *s)
{
    if (s->depth)
        s->depth--;
}

static void flush_entry(uint16_t owner, int64_t bytes, int64_t blocks, uint64_t allocs)
{
    struct owner *o = &ow.tab[owner];
    int64_t live = atomic_fetch_add(&o->live_bytes, bytes) + bytes;
    atomic_fetch_add(&o->live_blocks, blocks);
    atomic_fetch_add(&o->allocs, allocs);
    int64_t peak = atomic_load(&o->peak_bytes);
    while (live > peak && !atomic_compare_exchange_weak(&o->peak_bytes, &peak, live))
        ;
}

static void count(struct owner_cache *c, uint16_t owner, int64_t bytes, int64_t blocks,
                  uint64_t allocs)
{
    if (!c) {
        flush_entry(owner, bytes, blocks, allocs);
        return;
    }
    __typeof__(&c->e[0]) e = &c->e[owner & 7];
    if (e->used && e->owner != owner) {
        flush_entry(e->owner, e->bytes, e->blocks, e->allocs);
        e->used = false;
    }
    if (!e->used) {
        e->used = true;
        e->owner = owner;
        e->bytes = e->blocks = 0;
        e->allocs = 0;
    }
    e->bytes += bytes;
    e->blocks += blocks;
    e->allocs += allocs;
    /* Flush when this thread alone would raise the peak (only while the
     * owner grows past its peak, which is rare), or when it has much to
     * say. */
    struct owner *o = &ow.tab[owner];
    bool new_peak = bytes > 0 && atomic_load_explicit(&o->live_bytes, memory_order_relaxed) +
                    e->bytes > atomic_load_explicit(&o->peak_bytes, memory_order_relaxed);
    if (new_peak || e->bytes > OWNER_FLUSH_BYTES || e->bytes < -OWNER_FLUSH_BYTES ||
        e->allocs > 256) {
        flush_entry(e->owner, e->bytes, e->blocks, e->allocs);
        e->used = false;
    }
}

void owners_count_alloc(struct owner_cache *c, uint16_t owner, uint64_t bytes)
{
    count(c, owner, (int64_t)bytes, 1, 1);
}

void owners_count_free(struct owner_cache *c, uint16_t owner, uint64_t bytes)
{
    count(c, owner, -(int64_t)bytes, -1, 0);
}

void owners_count_resize(struct owner_cache *c, uint16_t owner, uint64_t from, uint64_t to)
{
    count(c, owner, (int64_t)to - (int64_t)from, 0, 0);
}

void owners_count_transfer(struct owner_cache *c, uint16_t from, uint16_t to, uint64_t bytes)
{
    count(c, from, -(int64_t)bytes, -1, 0);
    count(c, to, (int64_t)bytes, 1, 0);
}

void owners_flush(struct owner_cache *c)
{
    for (unsigned i = 0; i < WD_ARRAY_LEN(c->e); i++)
        if (c->e[i].used) {
            flush_entry(c->e[i].owner, c->e[i].bytes, c->e[i].blocks, c->e[i].allocs);
            c->e[i].used = false;
        }
}

struct owner_stats owners_stats(uint16_t id)
{
    struct owner *o = &ow.tab[id];
    struct owner_stats s = { atomic_load(&o->live_bytes), atomic_load(&o->live_blocks),
                             atomic_load(&o->peak_bytes), atomic_load(&o->allocs) };
    if (ow.pending) {
        s.live_bytes += ow.pending[id].live_bytes;
        s.live_blocks += ow.pending[id].live_blocks;
        s.allocs += ow.pending[id].allocs;
        if (s.live_bytes > s.peak_bytes)
            s.peak_bytes = s.live_bytes;
    }
    return s;
}

void owners_add_pending(const struct owner_cache *c)
{
    if (!ow.pending)
        ow.pending = imem_alloc((OWNER_MAX + 1) * sizeof *ow.pending);
    if (!ow.pending)
        return;
    for (unsigned i = 0; i < WD_ARRAY_LEN(c->e); i++)
        if (c->e[i].used) {
            struct owner_stats *p = &ow.pending[c->e[i].owner];
            p->live_bytes += c->e[i].bytes;
            p->live_blocks += c->e[i].blocks;
            p->allocs += c->e[i].allocs;
        }
}

static int by_peak(const void *a, const void *b)
{
    struct owner_stats x = owners_stats(*(const uint16_t *)a);
    struct owner_stats y = owners_stats(*(const uint16_t *)b);
    if (x.peak_bytes != y.peak_bytes)
        return x.peak_bytes < y.peak_bytes ? 1 : -1;
    return strcmp(owners_name(*(const uint16_t *)a), owners_name(*(const uint16_t *)b));
}

static void cell(fmt_t *f, uint64_t v, size_t width)
{
    char buf[24];
    fmt_t t;
    fmt_init(&t, buf, sizeof buf, -1);
    fmt_u64(&t, v);
    for (size_t i = t.len; i < width; i++)
        fmt_char(f, ' ');
    fmt_mem(f, buf, t.len);
}

void owners_print_table(fmt_t *f)
{
    uint32_t n = owners_count();
    uint16_t *ids = imem_alloc(n * sizeof *ids);
    if (!ids)
        return;
    for (uint32_t i = 0; i < n; i++)
        ids[i] = (uint16_t)i;
    qsort(ids, n, sizeof *ids, by_peak);
    fmt_str(f, "  owner                     live bytes  live blocks   peak bytes  allocations\n");
    for (uint32_t i = 0; i < n; i++) {
        struct owner_stats s = owners_stats(ids[i]);
        if (!s.allocs && !s.live_bytes && !s.peak_bytes)
            continue;                   /* never held anything */
        size_t start = f->len;
        fmt_str(f, "  ");
        fmt_str(f, owners_name(ids[i]));
        fmt_pad(f, start, 26);
        cell(f, (uint64_t)(s.live_bytes > 0 ? s.live_bytes : 0), 11);
        cell(f, (uint64_t)(s.live_blocks > 0 ? s.live_blocks : 0), 13);
        cell(f, (uint64_t)s.peak_bytes, 13);
        cell(f, s.allocs, 13);
        fmt_str(f, "\n");
    }
    imem_free(ids, n * sizeof *ids);
}

void owners_atfork_prepare(void) { prim_lock(&ow.lock); }
void owners_atfork_parent(void)  { prim_unlock(&ow.lock); }
void owners_atfork_child(void)   { prim_lock_reset(&ow.lock); }

void owners_trace_all(void)
{
    uint32_t n = owners_count();
    for (uint32_t id = 0; id < n; id++)
        trace_owner_def((uint16_t)id, ow.tab[id].name);
}
