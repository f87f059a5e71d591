/* Filling and checking byte patterns (see patterns.h). Checks compare
 * eight bytes at a time and look at single bytes only where a word
 * differs. */
#include "patterns.h"
#include "options.h"

#include <string.h>

#define WORD(c) (0x0101010101010101ull * (uint8_t)(c))

/* The part of the slack after a block that is filled and checked: an
 * overflow shows in its first bytes, and the rest of a big size class's
 * slack would only cost memory traffic. A guarded block's slack is all of
 * it, up to its guard page: guard mode promises every write past the end
 * is caught, also when the block does not end against the guard page
 * (guard_below, large alignments, a pinned block shrunk in place). */
#define RIGHT_MAX 64

static uintptr_t right_end(const struct wd_block *b, uintptr_t end, uintptr_t hi)
{
    if (b->seg->kind != SEG_SMALL && (b->m->flags & BF_GUARDED))
        return hi;
    return hi - end > RIGHT_MAX ? end + RIGHT_MAX : hi;
}

/* The same on the left, where an aligned block's slack can be most of its
 * slot (filling all of a page-aligned block's cost 15% of a loop of
 * posix_memalign(4096, 4096) and free). What is filled and checked there: the slot's first HEAP_REDZONE bytes, where the
 * block below runs over, and the LEFT_MAX bytes under the block, where an
 * underflow lands first. *mid gets the end of the first part, *mid2 the
 * start of the second; both are lo when the whole slack is used. */
#define LEFT_MAX 64

static void left_parts(const struct wd_block *b, uintptr_t lo, uintptr_t user,
                       uintptr_t *mid, uintptr_t *mid2)
{
    *mid = *mid2 = lo;
    if ((b->seg->kind != SEG_SMALL && (b->m->flags & BF_GUARDED)) ||
        user - lo <= HEAP_REDZONE + LEFT_MAX)
        return;
    *mid = lo + HEAP_REDZONE;
    *mid2 = user - LEFT_MAX;
}

void pat_fill_redzones(const struct wd_block *b)
{
    uintptr_t lo, hi, mid, mid2, user = blk_user(b), end = user + blk_size(b);
    heap_span(b, &lo, &hi);
    left_parts(b, lo, user, &mid, &mid2);
    memset((void *)lo, PAT_REDZONE, mid - lo);
    memset((void *)mid2, PAT_REDZONE, user - mid2);
    memset((void *)end, PAT_REDZONE, right_end(b, end, hi) - end);
}

/* One page of each pattern, to compare against with libc's vectorised
 * memcmp: intact memory, by far the common case, costs one pass. */
static uint8_t page_redzone[WD_PAGE], page_freed[WD_PAGE];

/* [lo, hi) holds only w's byte, for 8 <= hi - lo <= 64: eight word loads
 * at offsets clamped to the last word (overlapping where the range is
 * short), and no branch per word. The lengths of redzones and freed blocks
 * change from one call to the next, and a loop's exit was mispredicted at
 * nearly every call: three per allocation and free, 18 ns of 147 in a
 * loop of malloc and free. */
static bool intact_small(uintptr_t lo, uintptr_t hi, uint64_t w)
{
    uintptr_t last = hi - 8;
    uint64_t acc = 0, v;
#pragma GCC unroll 8
    for (unsigned i = 0; i < 64; i += 8) {
        uintptr_t p = lo + i < last ? lo + i : last;
        memcpy(&v, (const void *)p, 8);
        acc |= v ^ w;
    }
    return acc == 0;
}

static bool intact(uintptr_t lo, uintptr_t hi, uint8_t c)
{
    if (hi - lo >= 8 && hi - lo <= 64)
        return intact_small(lo, hi, WORD(c));
    if (hi - lo < 8) {
        for (uintptr_t p = lo; p < hi; p++)
            if (*(const uint8_t *)p != c)
                return false;
        return true;
    }
    const uint8_t *page = c == PAT_REDZONE ? page_redzone : page_freed;
    if (!page[0]) {
        memset(page_redzone, PAT_REDZONE, WD_PAGE);
        memset(page_freed, PAT_FREED, WD_PAGE);
    }
    for (uintptr_t p = lo; p < hi; p += WD_PAGE) {
        size_t n = hi - p < WD_PAGE ? hi - p : WD_PAGE;
        if (memcmp((const void *)p, page, n) != 0)
            return false;
    }
    return true;
}

/* Finds bytes in [lo, hi) that differ from c; merges them into d. */
static void scan(uintptr_t lo, uintptr_t hi, uint8_t c, struct pat_damage *d)
{
    uint64_t w = WORD(c);
    uintptr_t p = lo, last = 0;
    if (intact(lo, hi, c))
        return;
    while (p < hi) {
        if ((p & 7) == 0 && p + 8 <= hi) {
            uint64_t v;
            memcpy(&v, (const void *)p, 8);
            if (v == w) {
                p += 8;
                continue;
            }
        }
        if (*(const uint8_t *)p != c) {
            if (!d->count) {
                d->first = p;
                size_t n = hi - p < sizeof d->bytes ? hi - p : sizeof d->bytes;
                memcpy(d->bytes, (const void *)p, n);
            }
            d->count++;
            last = p;
        }
        p++;
    }
    if (last)
        d->span = last + 1 - d->first;
}

/* The redzone before the block, whose slot (or span) starts at lo. */
static bool check_below(const struct wd_block *b, uintptr_t lo, struct pat_damage *d)
{
    uintptr_t mid, mid2, user = blk_user(b);
    left_parts(b, lo, user, &mid, &mid2);
    scan(lo, mid, PAT_REDZONE, d);
    scan(mid2, user, PAT_REDZONE, d);
    d->below = d->count > 0;
    return d->below;
}

/* Both redzones of a small block whole, in one look at each: the case of
 * nearly every free, which then neither works out the parts of the slack
 * nor scans for damage to record. */
static bool small_intact(const struct wd_block *b)
{
    uintptr_t lo = b->slot, user = blk_user(b), end = user + blk_size(b);
    uintptr_t right = right_end(b, end, lo + b->slot_size);
    return user - lo >= 8 && user - lo <= 64 && right - end >= 8 &&
           intact_small(lo, user, WORD(PAT_REDZONE)) &&
           intact_small(end, right, WORD(PAT_REDZONE));
}

bool pat_check_redzones(const struct wd_block *b, struct pat_damage *d)
{
    uintptr_t lo, hi, end = blk_user(b) + blk_size(b);
    memset(d, 0, sizeof *d);
    if (b->seg->kind == SEG_SMALL && small_intact(b))
        return false;
    heap_span(b, &lo, &hi);
    scan(end, right_end(b, end, hi), PAT_REDZONE, d);
    return d->count || check_below(b, lo, d);
}

bool pat_check_below(const struct wd_block *b, struct pat_damage *d)
{
    uintptr_t lo, hi;
    heap_span(b, &lo, &hi);
    memset(d, 0, sizeof *d);
    return check_below(b, lo, d);
}

/* Only the first poison_bytes: freed memory is cold by the time it is
 * reused, and each cache line read then is a miss; most writes after free
 * land in the first fields of a struct. Guarded blocks catch the rest. */
static uint64_t poisoned(const struct wd_block *b)
{
    uint64_t size = blk_size(b), max = (uint64_t)wd_opt.poison_bytes;
    return size < max ? size : max;
}

/* Past the poisoned bytes a freed block keeps its words, and the next
 * block placed in the slot starts out with them: a word that pointed into
 * this block points into that one too, and would be taken for its own
 * self-reference when it is reallocated (clang's SmallVector buffers,
 * 264 bytes with the pointer at 256, did so). Those words, and only those,
 * are poisoned too, in the INWARD_BYTES after the poisoned ones: reading
 * all of a 16 KiB block tripled the cost of its free. */
#define INWARD_BYTES 1024

static void poison_inward(const struct wd_block *b, uint64_t from)
{
    uintptr_t user = blk_user(b);
    uint64_t size = blk_size(b), to = from + INWARD_BYTES < size ? from + INWARD_BYTES : size;
    for (uint64_t off = WD_ALIGN_UP(from, sizeof(uintptr_t)); off + sizeof(uintptr_t) <= to;
         off += sizeof(uintptr_t)) {
        uintptr_t *w = (uintptr_t *)(user + off);
        if (*w - b->slot <= b->slot_size)
            memset(w, PAT_FREED, sizeof *w);
    }
}

void pat_poison(const struct wd_block *b)
{
    if (b->seg->kind != SEG_SMALL)
        return;
    uint64_t n = poisoned(b);
    memset((void *)blk_user(b), PAT_FREED, n);
    if (n && n < blk_size(b))           /* poison_bytes=0: freed memory untouched */
        poison_inward(b, n);
}

bool pat_check_poison(const struct wd_block *b, struct pat_damage *d)
{
    memset(d, 0, sizeof *d);
    if (b->seg->kind != SEG_SMALL)
        return false;
    uintptr_t user = blk_user(b);
    scan(user, user + poisoned(b), PAT_FREED, d);
    return d->count > 0;
}

void pat_describe_bytes(fmt_t *f, const struct pat_damage *d)
{
    size_t len = d->span < sizeof d->bytes ? d->span : sizeof d->bytes;
    for (size_t i = 0; i < len; i++) {
        if (i)
            fmt_char(f, ' ');
        fmt_char(f, "0123456789abcdef"[d->bytes[i] >> 4]);
        fmt_char(f, "0123456789abcdef"[d->bytes[i] & 15]);
    }
    if (d->span > len)
        fmt_str(f, " ...");
}
