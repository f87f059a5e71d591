/* The libdw symbolizer (see symbols.h). Inline frames follow the scopes of
 * the address (dwarf_getscopes): each DW_TAG_inlined_subroutine is a frame
 * whose caller's location is its DW_AT_call_file and DW_AT_call_line. */
#define _GNU_SOURCE
#include "symbols.h"
#include "deps.h"
#include "prim.h"

#include <dlfcn.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <dwarf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DW_FUNCS(X)                                                          \
    X(dwfl_begin) X(dwfl_end) X(dwfl_report_begin) X(dwfl_report_elf)       \
    X(dwfl_report_end) X(dwfl_addrmodule) X(dwfl_module_addrinfo)            \
    X(dwfl_module_getsrc) X(dwfl_lineinfo) X(dwfl_module_addrdie)            \
    X(dwarf_getscopes) X(dwarf_tag) X(dwarf_diename) X(dwarf_attr_integrate) \
    X(dwarf_formstring) X(dwarf_formudata) X(dwarf_getsrcfiles)              \
    X(dwarf_filesrc) X(dwfl_build_id_find_elf)                               \
    X(dwfl_standard_find_debuginfo) X(dwfl_offline_section_address)

static struct {
#define X(f) __typeof__(&f) f;
    DW_FUNCS(X)
#undef X
} dw;

static int dw_state;            /* 0 untried, 1 loaded, -1 unavailable */

static char *(*demangle)(const char *, char *, size_t *, int *);

struct wd_symbolizer {
    Dwfl *dwfl;                 /* NULL without libdw */
    struct sym_module *mods;
    size_t nmods;
    char *paths;
};

static Dwfl_Callbacks callbacks;

static void load_libdw(void)
{
    static const char *const names[] = {
#define X(f) #f,
        DW_FUNCS(X)
#undef X
    };
    char err[256];
    if (dw_state)
        return;
    dw_state = deps_load("libdw.so.1", names, (void **)&dw, WD_ARRAY_LEN(names),
                         err, sizeof err) ? 1 : -1;
    if (dw_state > 0) {
        callbacks.find_elf = dw.dwfl_build_id_find_elf;
        callbacks.find_debuginfo = dw.dwfl_standard_find_debuginfo;
        callbacks.section_address = dw.dwfl_offline_section_address;
    }
    /* C++ names are demangled when libstdc++ is around (it is in every
     * C++ program; the ward command loads it itself). */
    demangle = dlsym(RTLD_DEFAULT, "__cxa_demangle");
    if (!demangle) {
        void *h = dlopen("libstdc++.so.6", RTLD_NOW | RTLD_LOCAL);
        if (h)
            demangle = dlsym(h, "__cxa_demangle");
    }
}

struct wd_symbolizer *sym_open(const struct sym_module *mods, size_t n)
{
    size_t bytes = 0;
    struct wd_symbolizer *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(mods[i].path) + 1;
    s->mods = calloc(n ? n : 1, sizeof *s->mods);
    s->paths = malloc(bytes + 1);
    if (!s->mods || !s->paths) {
        sym_close(s);
        return NULL;
    }
    char *p = s->paths;
    for (size_t i = 0; i < n; i++) {
        s->mods[i] = mods[i];
        s->mods[i].path = p;
        p = stpcpy(p, mods[i].path) + 1;
    }
    s->nmods = n;
    load_libdw();
    if (dw_state > 0 && (s->dwfl = dw.dwfl_begin(&callbacks)) != NULL) {
        dw.dwfl_report_begin(s->dwfl);
        for (size_t i = 0; i < n; i++)
            if (s->mods[i].path[0] == '/')
                dw.dwfl_report_elf(s->dwfl, s->mods[i].path, s->mods[i].path, -1,
                                   s->mods[i].bias, false);
        dw.dwfl_report_end(s->dwfl, NULL, NULL);
    }
    return s;
}

struct self_mods {
    struct sym_module *mods;
    size_t n, cap;
    char exe[4096];
    char abs[16][512];          /* modules dlopen'ed by relative path */
    unsigned nabs;
};

/* A loaded module's range; false if it has no loadable segment. */
static bool module_range(const struct dl_phdr_info *info, struct sym_module *m)
{
    m->bias = info->dlpi_addr;
    m->lo = UINTPTR_MAX;
    m->hi = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD)
            continue;
        uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
        if (lo < m->lo)
            m->lo = lo;
        if (lo + ph->p_memsz > m->hi)
            m->hi = lo + ph->p_memsz;
    }
    return m->hi != 0;
}

static bool absolute(const char *path, char *out, size_t n)
{
    char buf[PATH_MAX];
    if (!realpath(path, buf) || strlen(buf) >= n)
        return false;
    memcpy(out, buf, strlen(buf) + 1);
    return true;
}

static int collect_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct self_mods *sm = arg;
    (void)size;
    if (sm->n == sm->cap)
        return 0;
    struct sym_module *m = &sm->mods[sm->n];
    m->path = info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : sm->exe;
    /* libdw wants the file by a path that does not depend on the cwd. */
    if (m->path[0] != '/' && sm->nabs < WD_ARRAY_LEN(sm->abs) &&
        absolute(m->path, sm->abs[sm->nabs], sizeof sm->abs[0]))
        m->path = sm->abs[sm->nabs++];
    if (module_range(info, m))
        sm->n++;
    return 0;
}

/* Modules dlclose unloaded: a fixed table, the oldest overwritten. */
#define GONE_MAX 64

static struct {
    wd_lock lock;
    struct sym_gone g[GONE_MAX];
    unsigned n, next;
} gone;

struct by_bias {
    uintptr_t bias;
    struct sym_module m;
    bool found;
};

static int find_by_bias(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct by_bias *b = arg;
    (void)size;
    if (info->dlpi_addr == b->bias)
        b->found = module_range(info, &b->m);
    return b->found;
}

bool sym_note_dlclose(void *handle, struct sym_gone *g)
{
    struct link_map *lm = NULL;
    /* libdw is loaded now, not at the first report, where it could land
     * on the addresses the closed module leaves free and hide it. */
    load_libdw();
    if (dlinfo(handle, RTLD_DI_LINKMAP, &lm) != 0 || !lm || !lm->l_name || !lm->l_name[0])
        return false;
    struct by_bias b = { .bias = lm->l_addr };
    dl_iterate_phdr(find_by_bias, &b);
    g->m = b.m;
    if (lm->l_name[0] == '/' || !absolute(lm->l_name, g->path, sizeof g->path))
        snprintf(g->path, sizeof g->path, "%s", lm->l_name);
    return b.found;
}

bool sym_dlclose_done(struct sym_gone *g)
{
    struct by_bias b = { .bias = g->m.bias };
    dl_iterate_phdr(find_by_bias, &b);
    if (b.found)
        return false;               /* still loaded: another handle holds it */
    prim_lock(&gone.lock);
    gone.g[gone.next] = *g;
    gone.next = (gone.next + 1) % GONE_MAX;
    if (gone.n < GONE_MAX)
        gone.n++;
    prim_unlock(&gone.lock);
    return true;
}

struct wd_symbolizer *sym_open_self(void)
{
    struct self_mods sm = { 0 };
    sm.cap = 1024;
    sm.mods = calloc(sm.cap, sizeof *sm.mods);
    if (!sm.mods)
        return NULL;
    ssize_t k = readlink("/proc/self/exe", sm.exe, sizeof sm.exe - 1);
    sm.exe[k > 0 ? k : 0] = '\0';
    dl_iterate_phdr(collect_module, &sm);
    /* Newest first, after the loaded ones: an address now reused by
     * another module belongs to that one. */
    prim_lock(&gone.lock);
    for (unsigned i = 0; i < gone.n && sm.n < sm.cap; i++) {
        struct sym_gone *g = &gone.g[(gone.next + GONE_MAX - 1 - i) % GONE_MAX];
        sm.mods[sm.n] = g->m;
        sm.mods[sm.n++].path = g->path;
    }
    struct wd_symbolizer *s = sym_open(sm.mods, sm.n);
    prim_unlock(&gone.lock);
    free(sm.mods);
    return s;
}

void sym_close(struct wd_symbolizer *s)
{
    if (!s)
        return;
    if (s->dwfl)
        dw.dwfl_end(s->dwfl);
    free(s->mods);
    free(s->paths);
    free(s);
}

const struct sym_module *sym_module_of(struct wd_symbolizer *s, uintptr_t addr)
{
    for (size_t i = 0; i < s->nmods; i++)
        if (addr >= s->mods[i].lo && addr < s->mods[i].hi)
            return &s->mods[i];
    return NULL;
}

static void copy_name(char *dst, size_t n, const char *name)
{
    char *dem = NULL;
    int status = -1;
    if (!name) {
        name = "??";
    } else if (demangle && name[0] == '_' && name[1] == 'Z') {
        dem = demangle(name, NULL, NULL, &status);
        if (status == 0 && dem)
            name = dem;
    }
    /* "__libc_start_main@@GLIBC_2.34": the version is noise in a report. */
    const char *at = strchr(name, '@');
    size_t len = strnlen(name, at ? (size_t)(at - name) : n - 1);
    len = len < n - 1 ? len : n - 1;
    memcpy(dst, name, len);
    dst[len] = '\0';
    free(dem);
}

static void copy_str(char *dst, size_t n, const char *src)
{
    size_t len = src ? strnlen(src, n - 1) : 0;
    if (len)
        memcpy(dst, src, len);
    dst[len] = '\0';
}

static const char *die_name(Dwarf_Die *die)
{
    Dwarf_Attribute attr;
    const char *name = NULL;
    if (dw.dwarf_attr_integrate(die, DW_AT_linkage_name, &attr) ||
        dw.dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr))
        name = dw.dwarf_formstring(&attr);
    return name ? name : dw.dwarf_diename(die);
}

/* Where an inlined call was made: its DW_AT_call_file and _line. */
static void call_site(Dwarf_Die *cu, Dwarf_Die *inl, struct sym_frame *f)
{
    Dwarf_Attribute attr;
    Dwarf_Word fileidx = 0, line = 0;
    Dwarf_Files *files;
    size_t nfiles;
    f->file[0] = '\0';
    f->line = 0;
    if (dw.dwarf_attr_integrate(inl, DW_AT_call_file, &attr))
        dw.dwarf_formudata(&attr, &fileidx);
    if (dw.dwarf_attr_integrate(inl, DW_AT_call_line, &attr))
        dw.dwarf_formudata(&attr, &line);
    if (fileidx && dw.dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && fileidx < nfiles)
        copy_str(f->file, sizeof f->file, dw.dwarf_filesrc(files, fileidx, NULL, NULL));
    f->line = (unsigned)line;
}

/* The innermost frame: symbol name and the line table's file:line. */
static void outer_frame(Dwfl_Module *mod, Dwarf_Addr addr, struct sym_frame *f)
{
    GElf_Off off;
    GElf_Sym sym;
    copy_name(f->func, sizeof f->func, dw.dwfl_module_addrinfo(mod, addr, &off, &sym,
                                                               NULL, NULL, NULL));
    Dwfl_Line *line = dw.dwfl_module_getsrc(mod, addr);
    int lineno = 0;
    const char *file = line ? dw.dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    copy_str(f->file, sizeof f->file, file);
    f->line = file ? (unsigned)lineno : 0;
}

static int lookup_dwarf(Dwfl_Module *mod, Dwarf_Addr addr, struct sym_frame *out, int max)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dw.dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL;
    int n = 0, nscopes = cu ? dw.dwarf_getscopes(cu, addr - bias, &scopes) : 0;
    outer_frame(mod, addr, &out[0]);
    /* Scopes run innermost first; every inlined subroutine pushes its
     * caller one frame out. */
    for (int i = 0; i < nscopes && n + 1 < max; i++) {
        int tag = dw.dwarf_tag(&scopes[i]);
        if (tag == DW_TAG_subprogram)
            break;
        if (tag != DW_TAG_inlined_subroutine)
            continue;
        struct sym_frame *f = &out[n], *caller = &out[n + 1];
        char outer_func[sizeof f->func];
        memcpy(outer_func, f->func, sizeof outer_func);
        copy_name(f->func, sizeof f->func, die_name(&scopes[i]));
        call_site(cu, &scopes[i], caller);
        memcpy(caller->func, outer_func, sizeof caller->func);
        n++;
    }
    free(scopes);
    return n + 1;
}

int sym_lookup(struct wd_symbolizer *s, uintptr_t pc, struct sym_frame *out, int max)
{
    uintptr_t addr = pc ? pc - 1 : 0;
    const struct sym_module *m = sym_module_of(s, addr);
    int n = 1;
    memset(&out[0], 0, sizeof out[0]);
    strcpy(out[0].func, "??");
    Dwfl_Module *mod = s->dwfl ? dw.dwfl_addrmodule(s->dwfl, addr) : NULL;
    if (mod)
        n = lookup_dwarf(mod, addr, out, max);
    for (int i = 0; i < n; i++) {
        out[i].module = m ? m->path : NULL;
        out[i].modoff = m ? addr - m->bias : 0;
    }
    return n;
}
