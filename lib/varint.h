/* LEB128 varints, as the trace format uses them (see trace_format.h). */
#ifndef WARD_VARINT_H
#define WARD_VARINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VARINT_MAX 10

static inline uint8_t *varint_put(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

static inline uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static inline int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* Reads a varint from [*p, end); false (and *p unchanged) when it is cut
 * short or longer than 64 bits. */
static inline int varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    uint64_t x = 0;
    const uint8_t *q = *p;
    for (unsigned shift = 0; q < end && shift < 64; shift += 7) {
        uint8_t b = *q++;
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (shift == 63 && b > 1)
                return 0;
            *p = q;
            *v = x;
            return 1;
        }
    }
    return 0;
}

/* A reader of untrusted records: the first bad varint sets bad, and every
 * value read from then on is 0, so a record is decoded straight through
 * and checked once at its end. */
struct varint_cursor {
    const uint8_t *p, *end;
    bool bad;
};

static inline uint64_t vget(struct varint_cursor *c)
{
    uint64_t v = 0;
    if (!c->bad && !varint_get(&c->p, c->end, &v))
        c->bad = true;
    return c->bad ? 0 : v;
}

static inline uint32_t vget32(struct varint_cursor *c)
{
    uint64_t v = vget(c);
    if (v > UINT32_MAX)
        c->bad = true;
    return (uint32_t)v;
}

#endif
