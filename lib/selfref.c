/* The self-reference scan (see selfref.h). Blocks start 16-byte aligned,
 * so aligned words are those at offsets that are multiples of 8. */
#include "selfref.h"

size_t selfref_find(uintptr_t user, uint64_t kept, uint64_t size, struct selfref *out,
                    size_t max)
{
    size_t n = 0;
    kept = kept < size ? kept : size;
    for (uint64_t off = 0; off + sizeof(uintptr_t) <= kept; off += sizeof(uintptr_t)) {
        uintptr_t w = *(const uintptr_t *)(user + off);
        /* One past the end counts: the redzone after a block means no
         * other block starts there. */
        if (w - user > size)
            continue;
        if (n < max)
            out[n] = (struct selfref){ (uint32_t)off, (uint32_t)(w - user) };
        n++;
    }
    return n;
}
