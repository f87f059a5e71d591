/* Bad reads and writes made by libc's string functions, for
 * tests/integration/libc_checks.sh. Sizes go through a volatile so that the
 * compiler calls libc instead of inlining the copy.
 *
 * Usage: libc_access MODE; prints "survived MODE" when the call returned. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

static volatile size_t vsize;

static size_t sz(size_t n)
{
    vsize = n;
    return vsize;
}

/* The classic: room for the characters, none for the terminator. */
__attribute__((noinline)) static char *copy_name(const char *name)
{
    char *p = malloc(strlen(name));
    strcpy(p, name);
    return p;
}

__attribute__((noinline)) static void read_past(char *dst, const char *src, size_t n)
{
    memcpy(dst, src, n);
}

__attribute__((noinline)) static void clear(char *p, size_t n)
{
    memset(p, 0, n);
}

/* A coroutine keeps a pointer across a yield; the block is freed while it
 * is suspended, and it then copies from it. */
static ucontext_t main_ctx, coro_ctx;
static char *shared_buf;

__attribute__((noinline)) static void coro_body(void)
{
    char local[16];
    char *held = shared_buf;
    swapcontext(&coro_ctx, &main_ctx);         /* main frees it meanwhile */
    memcpy(local, held, sz(16));
    printf("coroutine read %c\n", local[0]);
}

/* Runs fn as a coroutine, until it yields or ends. */
static void coro_start(void (*fn)(void))
{
    static char stack[65536];
    getcontext(&coro_ctx);
    coro_ctx.uc_stack.ss_sp = stack;
    coro_ctx.uc_stack.ss_size = sizeof stack;
    coro_ctx.uc_link = &main_ctx;
    makecontext(&coro_ctx, fn, 0);
    swapcontext(&main_ctx, &coro_ctx);
}

static void coro(void)
{
    shared_buf = malloc(64);
    memset(shared_buf, 'c', 64);
    coro_start(coro_body);
    free(shared_buf);
    swapcontext(&main_ctx, &coro_ctx);
}

/* Built with -O2, the memset is a tail call: it returns into ward's
 * coroutine trampoline, not into the program. */
__attribute__((noinline)) static void coro_tail_body(void)
{
    memset(shared_buf, 'x', sz(24));
}

static void coro_tail(void)
{
    shared_buf = malloc(16);
    coro_start(coro_tail_body);
    free(shared_buf);
}

static int clean(void)
{
    char buf[64];
    char *p = malloc(32), *q = malloc(32);
    memset(p, 'a', sz(32));
    memcpy(q, p, sz(32));
    memmove(p + 1, p, sz(31));                  /* overlapping, inside */
    strcpy(q, "exactly 31 characters long here");
    strncpy(p, "short", sz(32));                /* pads all 32 with zeros */
    strcat(p, "er");
    strncat(p, "and longer than it may take", sz(8));
    char *e = stpcpy(q, "abc");
    e = mempcpy(e, "def", sz(4));
    memcpy(buf, q, sz(7));
    memcpy(buf, p, sz(0));
    char *d = strdup(q), *nd = strndup(q, sz(3));
    size_t lens = strlen(d) + strnlen(d, sz(2)) + strnlen(nd, sz(64));
    free(d);
    free(nd);
    free(q);
    memcpy(buf, q, sz(0));                      /* no byte read: no error */
    printf("%s %s %s %zu\n", p, buf, e - 1 == q + 6 ? "end ok" : "end wrong", lens);
    free(p);
    return 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "clean";
    char buf[64];
    if (!strcmp(mode, "clean")) {
        return clean();
    } else if (!strcmp(mode, "strcpy")) {
        char *p = copy_name("a name of 16 chr");
        printf("%s\n", p);
        free(p);
    } else if (!strcmp(mode, "memcpy-read")) {
        char *p = malloc(24);
        memset(p, 'r', 24);
        read_past(buf, p, sz(40));
        free(p);
    } else if (!strcmp(mode, "read-beyond")) {
        /* Starting past the end, still in the block's slot. */
        char *p = malloc(24);
        read_past(buf, p + 26, sz(4));
        free(p);
    } else if (!strcmp(mode, "huge")) {
        /* A block of several MiB (a span of segments of its own). */
        size_t n = 6u << 20;
        char *p = malloc(n);
        memset(p, 1, n);
        read_past(buf, p + n - 8, sz(16));
        free(p);
    } else if (!strcmp(mode, "strcpy-uaf-guarded")) {
        /* Measuring the string faults first, in libc's strlen, called by
         * ward's strcpy: the report shows the program's frames. */
        char *p = malloc(100000);
        strcpy(p, argc > 2 ? argv[2] : "hello");
        free(p);
        strcpy(buf, p);
    } else if (!strcmp(mode, "memset-uaf")) {
        char *p = malloc(48);
        free(p);
        clear(p + 8, sz(8));
    } else if (!strcmp(mode, "memcpy-uaf")) {
        char *p = malloc(48);
        memset(p, 'u', 48);
        free(p);
        read_past(buf, p + 4, sz(8));
    } else if (!strcmp(mode, "underflow")) {
        char *p = malloc(24);
        clear(p - 4, sz(8));
        free(p);
    } else if (!strcmp(mode, "strcat")) {
        /* The strings come from argv: with literals, gcc writes strcat
         * out inline (strlen and a fixed copy). */
        char *p = malloc(8);
        strcpy(p, argc > 2 ? argv[2] : "abcd");
        strcat(p, argc > 3 ? argv[3] : "efgh");
        free(p);
    } else if (!strcmp(mode, "strncpy")) {
        char *p = malloc(8);
        strncpy(p, "ab", sz(12));
        free(p);
    } else if (!strcmp(mode, "memmove-big")) {
        /* A block of page slots (guard=auto guards it): the check comes
         * before the access could fault. */
        char *p = malloc(100000);
        memmove(p + 10, p, sz(100000));
        free(p);
    } else if (!strcmp(mode, "strlen")) {
        /* Eight characters and no terminator in an 8-byte block. */
        char *p = malloc(8);
        memcpy(p, "abcdefgh", sz(8));
        printf("length %zu\n", strlen(p) >= 8 ? (size_t)8 : (size_t)0);
        free(p);
    } else if (!strcmp(mode, "strdup")) {
        char *p = malloc(8);
        memcpy(p, "abcdefgh", sz(8));
        char *q = strdup(p);
        printf("copied %c\n", q[0]);
        free(q);
        free(p);
    } else if (!strcmp(mode, "two-bugs-under") || !strcmp(mode, "two-bugs-uaf")) {
        /* A reported overflow by memset, then another bug of the same
         * block by plain stores: both are reported. */
        char *p = malloc(16);
        memset(p, 0, sz(17));
        if (!strcmp(mode, "two-bugs-under"))
            p[-8] = 1;
        free(p);
        if (!strcmp(mode, "two-bugs-uaf"))
            p[4] = 1;
    } else if (!strcmp(mode, "coro-tail")) {
        coro_tail();
    } else if (!strcmp(mode, "fortify-big")) {
        /* A guarded block, and __memset_chk told its size: glibc's check
         * stops the write before it reaches the guard page. */
        char *p = malloc(100000);
        memset(p, 0, strtoul(argc > 2 ? argv[2] : "100001", NULL, 0));
        printf("%d\n", p[5]);
        free(p);
    } else if (!strcmp(mode, "coro")) {
        coro();
    } else if (!strcmp(mode, "fortify")) {
        /* Built with _FORTIFY_SOURCE, this is __strcpy_chk with the block's
         * size known: ward reports, then glibc ends the process. */
        char *p = malloc(8);
        strcpy(p, argc > 2 ? argv[2] : "more than eight");
        printf("%s\n", p);
        free(p);
    } else {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    printf("survived %s\n", mode);
    return 0;
}
