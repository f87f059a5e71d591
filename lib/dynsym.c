/* Dynamic symbol lookup in a loaded object (see dynsym.h). */
#define _GNU_SOURCE
#include "dynsym.h"

#include <stdbool.h>

#include <elf.h>
#include <string.h>

struct tables {
    const ElfW(Sym) *sym;
    const char *str;
    const uint32_t *gnu, *sysv;
    const ElfW(Half) *versym;       /* may be NULL */
};

/* ld.so relocates these entries in place, except in objects whose dynamic
 * section it may not write (the vDSO): an address below the load base is
 * still an offset. */
static uintptr_t at(const struct dl_phdr_info *info, ElfW(Addr) v)
{
    return v < info->dlpi_addr ? info->dlpi_addr + v : v;
}

static bool tables_of(const struct dl_phdr_info *info, struct tables *t)
{
    const ElfW(Dyn) *dyn = NULL;
    memset(t, 0, sizeof *t);
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_SYMTAB:   t->sym = (const ElfW(Sym) *)at(info, dyn->d_un.d_ptr); break;
        case DT_STRTAB:   t->str = (const char *)at(info, dyn->d_un.d_ptr); break;
        case DT_GNU_HASH: t->gnu = (const uint32_t *)at(info, dyn->d_un.d_ptr); break;
        case DT_HASH:     t->sysv = (const uint32_t *)at(info, dyn->d_un.d_ptr); break;
        case DT_VERSYM:   t->versym = (const ElfW(Half) *)at(info, dyn->d_un.d_ptr); break;
        }
    }
    return t->sym && t->str && (t->gnu || t->sysv);
}

static uintptr_t defined(const struct dl_phdr_info *info, const struct tables *t,
                         uint32_t i, const char *name)
{
    const ElfW(Sym) *s = &t->sym[i];
    unsigned bind = ELF64_ST_BIND(s->st_info), type = ELF64_ST_TYPE(s->st_info);
    /* An older version of a symbol (memcpy@GLIBC_2.2.5 beside the default
     * memcpy@@GLIBC_2.14) is hidden from a lookup by name, as from dlsym.
     * An indirect function's value is its resolver, not itself: left out. */
    if (s->st_shndx == SHN_UNDEF || !s->st_value || (bind != STB_GLOBAL && bind != STB_WEAK) ||
        (type != STT_FUNC && type != STT_OBJECT) ||
        (t->versym && (t->versym[i] & 0x8000)) || strcmp(t->str + s->st_name, name) != 0)
        return 0;
    return info->dlpi_addr + s->st_value;
}

static uintptr_t gnu_lookup(const struct dl_phdr_info *info, const struct tables *t,
                            const char *name)
{
    uint32_t h = 5381;
    for (const unsigned char *c = (const unsigned char *)name; *c; c++)
        h = h * 33 + *c;
    uint32_t nbuckets = t->gnu[0], symoffset = t->gnu[1], nbloom = t->gnu[2];
    uint32_t shift = t->gnu[3];
    const ElfW(Addr) *bloom = (const ElfW(Addr) *)(t->gnu + 4);
    const uint32_t *buckets = (const uint32_t *)(bloom + nbloom);
    const uint32_t *chain = buckets + nbuckets;
    unsigned bits = sizeof(ElfW(Addr)) * 8;
    if (!nbuckets || !nbloom)
        return 0;
    ElfW(Addr) word = bloom[(h / bits) % nbloom];
    ElfW(Addr) mask = ((ElfW(Addr))1 << (h % bits)) | ((ElfW(Addr))1 << ((h >> shift) % bits));
    if ((word & mask) != mask)
        return 0;
    uint32_t i = buckets[h % nbuckets];
    if (i < symoffset)
        return 0;
    for (;; i++) {
        uint32_t h2 = chain[i - symoffset];
        uintptr_t a;
        if ((h | 1) == (h2 | 1) && (a = defined(info, t, i, name)))
            return a;
        if (h2 & 1)
            return 0;
    }
}

static uintptr_t sysv_lookup(const struct dl_phdr_info *info, const struct tables *t,
                             const char *name)
{
    uint32_t h = 0, nbucket = t->sysv[0];
    for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
        h = (h << 4) + *c;
        uint32_t g = h & 0xf0000000u;
        h ^= g >> 24;
        h &= ~g;
    }
    const uint32_t *bucket = t->sysv + 2, *chain = bucket + nbucket;
    if (!nbucket)
        return 0;
    for (uint32_t i = bucket[h % nbucket], n = 0; i && n < t->sysv[1]; i = chain[i], n++) {
        uintptr_t a = defined(info, t, i, name);
        if (a)
            return a;
    }
    return 0;
}

uintptr_t dynsym_lookup(const struct dl_phdr_info *info, const char *name)
{
    struct tables t;
    if (!tables_of(info, &t))
        return 0;
    return t.gnu ? gnu_lookup(info, &t, name) : sysv_lookup(info, &t, name);
}

bool dynsym_named(const char *path, const char *prefix)
{
    if (!path)
        return false;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    return strncmp(base, prefix, strlen(prefix)) == 0;
}
