/* The libdw symbolizer (see symbols.h). Inline frames follow the scopes
 * that contain the address's innermost scope (dwarf_getscopes_die, as
 * eu-addr2line does: dwarf_getscopes climbs into an inlined function's
 * abstract definition instead, losing the frames between): each
 * DW_TAG_inlined_subroutine is a frame whose caller's location is its
 * DW_AT_call_file and DW_AT_call_line. */
#define _GNU_SOURCE
#include "symbols.h"
#include "deps.h"
#include "maps.h"
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
    X(dwfl_standard_find_debuginfo) X(dwfl_offline_section_address)          \
    X(dwarf_getscopes_die) X(dwarf_hasattr_integrate) X(dwfl_module_nextcu)  \
    X(dwarf_haspc) X(dwarf_getsrc_die) X(dwarf_linesrc) X(dwarf_lineno)      \
    X(dwarf_child) X(dwarf_siblingof) X(dwarf_hasattr)

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

/* Once, from whichever thread reports or dlcloses first. */
static void load_libdw(void)
{
    static const char *const names[] = {
#define X(f) #f,
        DW_FUNCS(X)
#undef X
    };
    static wd_lock lock;
    char err[256];
    if (__atomic_load_n(&dw_state, __ATOMIC_ACQUIRE))
        return;
    prim_lock(&lock);
    if (!dw_state) {
        int state = deps_load("libdw.so.1", names, (void **)&dw, WD_ARRAY_LEN(names),
                              err, sizeof err) ? 1 : -1;
        if (state > 0) {
            callbacks.find_elf = dw.dwfl_build_id_find_elf;
            callbacks.find_debuginfo = dw.dwfl_standard_find_debuginfo;
            callbacks.section_address = dw.dwfl_offline_section_address;
        }
        __atomic_store_n(&dw_state, state, __ATOMIC_RELEASE);
    }
    prim_unlock(&lock);
}

/* C++ names are demangled when libstdc++ is around (it is in every C++
 * program; the ward command loads it itself). Looked for at the first
 * report only: a C program that never reports never maps it. */
static void load_demangler(void)
{
    static bool tried;
    if (tried)
        return;
    tried = true;
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
    load_demangler();
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

/* Modules as the process has them, with paths libdw can open wherever it
 * runs: the loader keeps a dlopen'ed "./x.so" as it was given, relative to
 * a cwd that may have changed since, so such paths come from the kernel's
 * map instead. Paths are copies, owned by the list. */
struct modlist {
    struct sym_module *m;
    size_t n, cap;
    char *buf;                      /* PATH_MAX bytes of scratch */
};

static int add_module(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct modlist *ml = arg;
    struct sym_module m;
    const char *name = info->dlpi_name;
    (void)size;
    if (!module_range(info, &m))
        return 0;
    if (!name || !*name) {
        ssize_t k = readlink("/proc/self/exe", ml->buf, PATH_MAX - 1);
        ml->buf[k > 0 ? k : 0] = '\0';
        name = ml->buf;
    } else if (name[0] != '/' && strchr(name, '/') && maps_path_at(m.lo, ml->buf, PATH_MAX)) {
        name = ml->buf;
    }
    if (ml->n == ml->cap) {
        size_t cap = ml->cap ? 2 * ml->cap : 64;
        struct sym_module *a = realloc(ml->m, cap * sizeof *a);
        if (!a)
            return 1;
        ml->m = a;
        ml->cap = cap;
    }
    if ((m.path = strdup(name)) != NULL)
        ml->m[ml->n++] = m;
    return 0;
}

static bool modlist_take(struct modlist *ml)
{
    memset(ml, 0, sizeof *ml);
    if (!(ml->buf = malloc(PATH_MAX)))
        return false;
    dl_iterate_phdr(add_module, ml);
    return true;
}

static void modlist_free(struct modlist *ml)
{
    for (size_t i = 0; i < ml->n; i++)
        free((char *)ml->m[i].path);
    free(ml->m);
    free(ml->buf);
    memset(ml, 0, sizeof *ml);
}

/* Modules dlclose unloaded: a fixed table, the oldest dropped. */
#define GONE_MAX 64

static struct {
    wd_lock lock;
    struct sym_module m[GONE_MAX];      /* paths malloc'ed */
    unsigned n, next;
} gone;

void sym_atfork_prepare(void) { prim_lock(&gone.lock); }
void sym_atfork_parent(void)  { prim_unlock(&gone.lock); }
void sym_atfork_child(void)   { prim_lock_reset(&gone.lock); }

static void keep_gone(const struct sym_module *m)
{
    char *path = strdup(m->path), *dropped = NULL;
    if (!path)
        return;
    prim_lock(&gone.lock);
    if (gone.n == GONE_MAX)
        dropped = (char *)gone.m[gone.next].path;
    gone.m[gone.next] = *m;
    gone.m[gone.next].path = path;
    gone.next = (gone.next + 1) % GONE_MAX;
    if (gone.n < GONE_MAX)
        gone.n++;
    prim_unlock(&gone.lock);
    free(dropped);                  /* not under the lock: fork takes it after the heap's */
}

bool sym_dlclose_before(struct sym_snapshot *snap)
{
    /* libdw is loaded now, not at the first report, where it could land
     * on the addresses the closed modules leave free and hide them. */
    load_libdw();
    struct modlist *ml = malloc(sizeof *ml);
    if (ml && !modlist_take(ml)) {
        free(ml);
        ml = NULL;
    }
    snap->p = ml;
    return ml != NULL;
}

bool sym_dlclose_after(struct sym_snapshot *snap)
{
    struct modlist *before = snap->p, now;
    bool any = false;
    if (!before)
        return false;
    if (modlist_take(&now)) {
        for (size_t i = 0; i < before->n; i++) {
            bool still = false;
            for (size_t j = 0; j < now.n && !still; j++)
                still = now.m[j].bias == before->m[i].bias && now.m[j].lo == before->m[i].lo;
            if (!still) {
                keep_gone(&before->m[i]);
                any = true;
            }
        }
        modlist_free(&now);
    }
    modlist_free(before);
    free(before);
    snap->p = NULL;
    return any;
}

struct wd_symbolizer *sym_open_self(void)
{
    struct modlist ml;
    if (!modlist_take(&ml))
        return NULL;
    /* The unloaded ones after the loaded ones, newest first: an address
     * now reused by another module belongs to that one. */
    size_t live = ml.n;
    prim_lock(&gone.lock);
    for (unsigned i = 0; i < gone.n; i++) {
        if (ml.n == ml.cap) {
            struct sym_module *a = realloc(ml.m, (ml.cap + GONE_MAX) * sizeof *a);
            if (!a)
                break;
            ml.m = a;
            ml.cap += GONE_MAX;
        }
        ml.m[ml.n++] = gone.m[(gone.next + GONE_MAX - 1 - i) % GONE_MAX];
    }
    struct wd_symbolizer *s = sym_open(ml.m, ml.n);
    prim_unlock(&gone.lock);
    ml.n = live;                    /* the gone ones' paths are the table's */
    modlist_free(&ml);
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
    bool has_file = dw.dwarf_hasattr_integrate(inl, DW_AT_call_file);
    if (dw.dwarf_attr_integrate(inl, DW_AT_call_file, &attr))
        dw.dwarf_formudata(&attr, &fileidx);
    if (dw.dwarf_attr_integrate(inl, DW_AT_call_line, &attr))
        dw.dwarf_formudata(&attr, &line);
    /* Index 0 is the unit's own file from DWARF 5 on; before, libdw puts
     * "???" there. */
    if (has_file && dw.dwarf_getsrcfiles(cu, &files, &nfiles) == 0 && fileidx < nfiles) {
        const char *name = dw.dwarf_filesrc(files, fileidx, NULL, NULL);
        if (name && strcmp(name, "???") != 0)
            copy_str(f->file, sizeof f->file, name);
    }
    f->line = f->file[0] ? (unsigned)line : 0;
}

/* The unit covering addr. Without .debug_aranges (clang does not write
 * them) libdw's lookup fails, and the units are searched one by one. */
static Dwarf_Die *unit_of(Dwfl_Module *mod, Dwarf_Addr addr, Dwarf_Addr *bias)
{
    Dwarf_Die *cu = dw.dwfl_module_addrdie(mod, addr, bias);
    if (cu)
        return cu;
    while ((cu = dw.dwfl_module_nextcu(mod, cu, bias)) != NULL)
        if (dw.dwarf_haspc(cu, addr - *bias) > 0)
            return cu;
    return NULL;
}

/* The innermost frame: symbol name and the line table's file:line. */
static void outer_frame(Dwfl_Module *mod, Dwarf_Die *cu, Dwarf_Addr bias, Dwarf_Addr addr,
                        struct sym_frame *f)
{
    GElf_Off off;
    GElf_Sym sym;
    copy_name(f->func, sizeof f->func, dw.dwfl_module_addrinfo(mod, addr, &off, &sym,
                                                               NULL, NULL, NULL));
    Dwfl_Line *line = dw.dwfl_module_getsrc(mod, addr);
    int lineno = 0;
    const char *file = line ? dw.dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
    if (!file && cu) {
        Dwarf_Line *l = dw.dwarf_getsrc_die(cu, addr - bias);
        file = l ? dw.dwarf_linesrc(l, NULL, NULL) : NULL;
        if (!l || dw.dwarf_lineno(l, &lineno) != 0)
            file = NULL;
    }
    copy_str(f->file, sizeof f->file, file);
    f->line = file ? (unsigned)lineno : 0;
}

/* Whether a DIE may hold, among its children, a function's code where
 * its own ranges do not reach. */
static bool may_nest(Dwarf_Die *die)
{
    switch (dw.dwarf_tag(die)) {
    case DW_TAG_subprogram:
        return !dw.dwarf_hasattr(die, DW_AT_declaration);
    case DW_TAG_lexical_block: case DW_TAG_namespace: case DW_TAG_class_type:
    case DW_TAG_structure_type: case DW_TAG_union_type:
        return true;
    default:
        return false;
    }
}

/* The innermost DIE under parent whose ranges hold addr. GCC writes the
 * member functions of a local class, a lambda's operator() above all,
 * inside the enclosing function's DIE, whose ranges do not hold their
 * code, and dwarf_getscopes does not look there: their inlined calls
 * would be lost. Only used when dwarf_getscopes finds nothing. */
static bool nested_scope(Dwarf_Die *parent, Dwarf_Addr addr, Dwarf_Die *out, unsigned depth)
{
    Dwarf_Die child;
    if (depth > 32 || dw.dwarf_child(parent, &child) != 0)
        return false;
    do {
        if (dw.dwarf_haspc(&child, addr) > 0) {
            *out = child;
            nested_scope(&child, addr, out, depth + 1);
            return true;
        }
        if (may_nest(&child) && nested_scope(&child, addr, out, depth + 1))
            return true;
    } while (dw.dwarf_siblingof(&child, &child) == 0);
    return false;
}

/* The scopes holding addr, innermost first, through inlined calls to the
 * function they were inlined in. */
static int scopes_of(Dwarf_Die *cu, Dwarf_Addr addr, Dwarf_Die **scopes)
{
    Dwarf_Die *at = NULL, inner;
    int n = dw.dwarf_getscopes(cu, addr, &at);
    *scopes = NULL;
    if (n > 0 && dw.dwarf_tag(&at[0]) != DW_TAG_compile_unit)
        n = dw.dwarf_getscopes_die(&at[0], scopes);
    else if (nested_scope(cu, addr, &inner, 0))
        n = dw.dwarf_getscopes_die(&inner, scopes);
    else
        n = 0;
    free(at);
    return n;
}

static int lookup_dwarf(Dwfl_Module *mod, Dwarf_Addr addr, struct sym_frame *out, int max)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = unit_of(mod, addr, &bias), *scopes = NULL;
    int n = 0, nscopes = cu ? scopes_of(cu, addr - bias, &scopes) : 0;
    outer_frame(mod, cu, bias, addr, &out[0]);
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
