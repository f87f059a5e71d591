/* Models cfrac (continued-fraction factoring, from the Hoard/mimalloc
 * benchmark sets): single-threaded bignum arithmetic in which every
 * operation returns a freshly allocated number. Numbers here have 1 to 15
 * 32-bit digits, so each block is 8 to 64 bytes; most are temporaries
 * freed a few operations later, and a few (the "smooth" values a factoring
 * run would keep) are copied into a linked list that keeps the newest
 * LIST_MAX of them, freeing the oldest.
 *
 * The arithmetic is a recurrence y' = y * q + x (q a small multiplier from
 * x), truncated to 15 digits and shifted down when it grows, so sizes keep
 * cycling through the whole 8-64 byte range. Deterministic.
 *
 * Usage: cfrac_like [STEPS] [LIST_MAX]
 * Prints a checksum and how many values were kept. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXD 15               /* digits: 4 + 4 * 15 = 64 bytes */

typedef struct {
    uint32_t n;               /* digits in use, >= 1 */
    uint32_t d[];             /* little-endian base 2^32 */
} big;

struct node {
    struct node *next;
    big *value;
};

static unsigned long allocations;

static big *big_new(uint32_t n)
{
    if (n < 1) n = 1;
    if (n > MAXD) n = MAXD;
    big *b = malloc(sizeof *b + n * sizeof(uint32_t));
    if (!b) {
        perror("malloc");
        exit(1);
    }
    allocations++;
    b->n = n;
    return b;
}

static void big_trim(big *b)
{
    while (b->n > 1 && b->d[b->n - 1] == 0)
        b->n--;
}

static big *big_from(uint64_t v)
{
    big *b = big_new(2);
    b->d[0] = (uint32_t)v;
    b->d[1] = (uint32_t)(v >> 32);
    big_trim(b);
    return b;
}

static big *big_copy(const big *a)
{
    big *b = big_new(a->n);
    memcpy(b->d, a->d, a->n * sizeof(uint32_t));
    return b;
}

/* a + b, truncated to MAXD digits */
static big *big_add(const big *a, const big *b)
{
    uint32_t n = (a->n > b->n ? a->n : b->n) + 1;
    big *r = big_new(n);
    uint64_t carry = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        uint64_t s = carry;
        if (i < a->n) s += a->d[i];
        if (i < b->n) s += b->d[i];
        r->d[i] = (uint32_t)s;
        carry = s >> 32;
    }
    big_trim(r);
    return r;
}

/* a * m, truncated to MAXD digits */
static big *big_mul_small(const big *a, uint32_t m)
{
    big *r = big_new(a->n + 1);
    uint64_t carry = 0;
    for (uint32_t i = 0; i < r->n; i++) {
        uint64_t p = carry + (i < a->n ? (uint64_t)a->d[i] * m : 0);
        r->d[i] = (uint32_t)p;
        carry = p >> 32;
    }
    big_trim(r);
    return r;
}

/* a / 2^(32 * k): drops the low k digits */
static big *big_shift_down(const big *a, uint32_t k)
{
    if (k >= a->n)
        return big_from(1);
    big *r = big_new(a->n - k);
    memcpy(r->d, a->d + k, r->n * sizeof(uint32_t));
    big_trim(r);
    return r;
}

static uint32_t big_mod_small(const big *a, uint32_t m)
{
    uint64_t r = 0;
    for (uint32_t i = a->n; i-- > 0;)
        r = ((r << 32) | a->d[i]) % m;
    return (uint32_t)r;
}

int main(int argc, char **argv)
{
    long steps = 3000000, list_max = 2000;
    if (argc > 1) steps = atol(argv[1]);
    if (argc > 2) list_max = atol(argv[2]);
    static const uint32_t primes[] = { 3, 5, 7, 11, 13, 17, 19, 23 };
    big *x = big_from(0x123456789abcdefull), *y = big_from(0xfedcba987654321ull);
    struct node *head = NULL, *tail = NULL;
    long kept = 0, listed = 0;
    uint64_t check = 0;
    for (long i = 0; i < steps; i++) {
        uint32_t q = big_mod_small(x, 1000003) + 2;
        big *t = big_mul_small(y, q);
        big *u = big_add(t, x);
        free(t);
        if (u->n >= MAXD - 1) {
            /* Keep the numbers small: drop a varying number of low digits. */
            big *s = big_shift_down(u, 1 + (uint32_t)(i % 13));
            free(u);
            u = s;
        }
        free(x);
        x = y;
        y = u;
        /* Trial division by small primes, each through a temporary. */
        for (int j = 0; j < 4; j++) {
            big *p = big_mul_small(y, primes[(i + j) % 8]);
            check += big_mod_small(p, 65521);
            free(p);
        }
        if (big_mod_small(y, 1009) < 4) {
            /* A "smooth" value: keep a copy in the list. */
            struct node *nd = malloc(sizeof *nd);
            if (!nd) {
                perror("malloc");
                return 1;
            }
            allocations++;
            nd->next = NULL;
            nd->value = big_copy(y);
            if (tail)
                tail->next = nd;
            else
                head = nd;
            tail = nd;
            kept++;
            if (++listed > list_max) {
                struct node *old = head;
                head = old->next;
                check += old->value->d[0];
                free(old->value);
                free(old);
                listed--;
            }
        }
    }
    while (head) {
        struct node *next = head->next;
        check += head->value->d[0];
        free(head->value);
        free(head);
        head = next;
    }
    check += x->d[0] + y->d[0];
    free(x);
    free(y);
    printf("cfrac_like: %ld steps, %lu allocations, %ld values kept (checksum %llu)\n",
           steps, allocations, kept, (unsigned long long)check);
    return 0;
}
