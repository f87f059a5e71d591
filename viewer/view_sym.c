/* Cached symbolization (see view_sym.h). */
#include "view_sym.h"
#include "report_text.h"
#include "view_map.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FRAMES (TR_MAX_FRAMES * SYM_MAX_INLINE)

struct pc_entry {
    uint64_t pc;
    uint32_t map, first, n;     /* its frames: frames[first .. first + n) */
};

struct vsym {
    const struct tr_trace *t;
    uint32_t nmaps;
    uint64_t *map_ts;           /* when each module map began */
    struct wd_symbolizer **sym; /* one per map, opened when first needed */
    struct vmap pcs;            /* (pc, map) -> pc_entry */
    struct pc_entry *ents;
    uint32_t nents, capents;
    struct vs_frame *frames;
    uint32_t nframes, capframes;
    struct vmap names;          /* interned strings */
    char **strs;
    uint32_t nstrs, capstrs;
};

struct vsym *vsym_open(const struct tr_trace *t)
{
    struct vsym *vs = calloc(1, sizeof *vs);
    if (!vs)
        return NULL;
    vs->t = t;
    vs->nmaps = t->nmaps ? t->nmaps : 1;
    vs->map_ts = calloc(vs->nmaps, sizeof *vs->map_ts);
    vs->sym = calloc(vs->nmaps, sizeof *vs->sym);
    if (!vs->map_ts || !vs->sym) {
        vsym_close(vs);
        return NULL;
    }
    for (uint32_t m = 0; m < vs->nmaps; m++)
        vs->map_ts[m] = UINT64_MAX;
    for (uint32_t i = 0; i < t->nmodules; i++) {
        uint32_t m = t->modules[i].map < vs->nmaps ? t->modules[i].map : 0;
        if (t->modules[i].ts < vs->map_ts[m])
            vs->map_ts[m] = t->modules[i].ts;
    }
    return vs;
}

void vsym_close(struct vsym *vs)
{
    if (!vs)
        return;
    for (uint32_t m = 0; vs->sym && m < vs->nmaps; m++)
        if (vs->sym[m])
            sym_close(vs->sym[m]);
    for (uint32_t i = 0; i < vs->nstrs; i++)
        free(vs->strs[i]);
    free(vs->strs);
    free(vs->sym);
    free(vs->map_ts);
    free(vs->ents);
    free(vs->frames);
    vmap_free(&vs->pcs);
    vmap_free(&vs->names);
    free(vs);
}

/* The map in effect at ts, as tr_modules_at chooses it. */
static uint32_t map_of(const struct vsym *vs, uint64_t ts)
{
    uint32_t best = 0;
    for (uint32_t m = 0; m < vs->nmaps; m++)
        if (vs->map_ts[m] != UINT64_MAX && vs->map_ts[m] <= ts && m > best)
            best = m;
    return best;
}

static struct wd_symbolizer *symbolizer(struct vsym *vs, uint32_t map)
{
    if (!vs->sym[map]) {
        struct sym_module mods[1024];
        uint64_t ts = vs->map_ts[map] == UINT64_MAX ? 0 : vs->map_ts[map];
        uint32_t n = tr_modules_at(vs->t, ts, mods, 1024);
        vs->sym[map] = sym_open(mods, n);
    }
    return vs->sym[map];
}

static bool same_str(uint32_t val, void *arg)
{
    const char *const *s = arg;
    return !strcmp(((struct vsym *)s[1])->strs[val], s[0]);
}

/* The one copy of s; "" when out of memory. */
static const char *intern(struct vsym *vs, const char *s)
{
    uint64_t h = vmap_hash(s, strlen(s), 0);
    const void *arg[2] = { s, vs };
    uint32_t i = vmap_get(&vs->names, h, same_str, (void *)arg);
    if (i != VMAP_NONE)
        return vs->strs[i];
    if (vs->nstrs == vs->capstrs) {
        uint32_t cap = vs->capstrs ? vs->capstrs * 2 : 256;
        char **a = realloc(vs->strs, cap * sizeof *a);
        if (!a)
            return "";
        vs->strs = a;
        vs->capstrs = cap;
    }
    char *c = strdup(s);
    if (!c || vmap_put(&vs->names, h, vs->nstrs) < 0) {
        free(c);
        return "";
    }
    vs->strs[vs->nstrs] = c;
    return vs->strs[vs->nstrs++];
}

static bool grow(void **arr, uint32_t *cap, uint32_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    uint32_t c = *cap ? *cap : 256;
    while (c < need)
        c *= 2;
    void *a = realloc(*arr, c * elem);
    if (!a)
        return false;
    *arr = a;
    *cap = c;
    return true;
}

struct pc_key {
    struct vsym *vs;
    uint64_t pc;
    uint32_t map;
};

static bool is_pc(uint32_t val, void *arg)
{
    const struct pc_key *k = arg;
    return k->vs->ents[val].pc == k->pc && k->vs->ents[val].map == k->map;
}

/* Looks pc up in map and keeps its frames; NULL when out of memory. */
static const struct pc_entry *lookup(struct vsym *vs, uint64_t pc, uint32_t map)
{
    struct pc_key key = { vs, pc, map };
    uint64_t h = vmap_mix(pc, map);
    uint32_t i = vmap_get(&vs->pcs, h, is_pc, &key);
    if (i != VMAP_NONE)
        return &vs->ents[i];
    struct sym_frame f[SYM_MAX_INLINE];
    struct wd_symbolizer *sym = symbolizer(vs, map);
    int k = sym ? sym_lookup(sym, (uintptr_t)pc, f, SYM_MAX_INLINE) : 0;
    if (k <= 0) {
        memset(f, 0, sizeof f[0]);
        strcpy(f[0].func, "??");
        k = 1;
    }
    if (!grow((void **)&vs->ents, &vs->capents, vs->nents + 1, sizeof *vs->ents) ||
        !grow((void **)&vs->frames, &vs->capframes, vs->nframes + (uint32_t)k,
              sizeof *vs->frames) ||
        vmap_put(&vs->pcs, h, vs->nents) < 0)
        return NULL;
    struct pc_entry *e = &vs->ents[vs->nents++];
    *e = (struct pc_entry){ pc, map, vs->nframes, (uint32_t)k };
    for (int j = 0; j < k; j++)
        vs->frames[vs->nframes++] = (struct vs_frame){
            pc, intern(vs, f[j].func), intern(vs, f[j].file), f[j].line,
            f[j].module ? intern(vs, f[j].module) : NULL, f[j].modoff };
    return e;
}

int vsym_frames(struct vsym *vs, uint32_t stack, uint64_t ts, struct vs_frame *out, int max)
{
    const struct tr_trace *t = vs->t;
    int n = 0;
    if (stack == 0 || stack >= t->nstacks || !t->stacks[stack].n)
        return 0;
    uint32_t map = map_of(vs, ts);
    for (uint32_t i = 0; i < t->stacks[stack].n && n < max; i++) {
        const struct pc_entry *e = lookup(vs, t->stacks[stack].frames[i], map);
        for (uint32_t j = 0; e && j < e->n && n < max; j++)
            out[n++] = vs->frames[e->first + j];
    }
    return n;
}

const char *vsym_base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

void vsym_site(struct vsym *vs, uint32_t stack, uint64_t ts, char *buf, size_t n)
{
    struct vs_frame f[SYM_MAX_INLINE];
    if (vsym_frames(vs, stack, ts, f, 1) == 0)
        snprintf(buf, n, "<no stack>");
    else if (f[0].file[0])
        snprintf(buf, n, "%s %s:%u", f[0].func, vsym_base(f[0].file), f[0].line);
    else
        snprintf(buf, n, "%s", f[0].func);
}

static void to_sym_frame(const struct vs_frame *v, struct sym_frame *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->func, sizeof f->func, "%s", v->func);
    snprintf(f->file, sizeof f->file, "%s", v->file);
    f->line = v->line;
    f->module = v->module;
    f->modoff = v->modoff;
}

void vsym_print_stack(void *arg, fmt_t *f, uint32_t stack)
{
    struct vsym_at *at = arg;
    struct vs_frame *fr = malloc(MAX_FRAMES * sizeof *fr);
    struct sym_frame sf;
    int n = fr ? vsym_frames(at->vs, stack, at->ts, fr, MAX_FRAMES) : 0;
    if (n == 0)
        fmt_str(f, "    <no stack recorded>\n");
    for (int i = 0; i < n; i++) {
        to_sym_frame(&fr[i], &sf);
        rt_frame(f, (unsigned)i, (uintptr_t)fr[i].pc, &sf);
    }
    free(fr);
}

bool vsym_top_frame(void *arg, uint32_t stack, struct sym_frame *frame)
{
    struct vsym_at *at = arg;
    struct vs_frame f;
    if (vsym_frames(at->vs, stack, at->ts, &f, 1) != 1)
        return false;
    to_sym_frame(&f, frame);
    return true;
}
