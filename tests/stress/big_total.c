/* Stress: allocate and free 10 GiB in total with a live set of a few MiB.
 *
 * Usage: big_total [GIB] [MAX_RSS_MIB] (defaults 10 and 512). One thread
 * keeps a window of 128 blocks and replaces a random one at a time until
 * GIB GiB have been allocated: 80 % of the blocks are 16 B to 1 KiB, 18 %
 * 1 to 16 KiB, 1.9 % 64 to 256 KiB and 0.1 % 1 to 4 MiB (so about a
 * quarter of the bytes are in small blocks and the rest in large ones, which
 * ward places on pages of their own); one replacement in twenty is a
 * realloc to a new size instead. Every block is written (small ones whole,
 * large ones on every page), and checked before it is freed. At the end it
 * frees everything and prints the resident set size now (/proc/self/statm)
 * and at its peak (VmHWM in /proc/self/status); it fails if the resident
 * size at the end is above MAX_RSS_MIB, i.e. if memory that was freed is
 * not given back or reused. Prints "ok" on success. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 128

static uint64_t rng(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static size_t pick(uint64_t *s)
{
    uint64_t r = rng(s) % 1000;
    if (r < 800)
        return 16 + rng(s) % 1009;
    if (r < 980)
        return 1024 + rng(s) % (15 * 1024);
    if (r < 999)
        return 64 * 1024 + rng(s) % (192 * 1024);
    return (1 << 20) + rng(s) % (3 << 20);
}

static void fill(unsigned char *p, size_t n, unsigned char v)
{
    if (n < 64 * 1024) {
        memset(p, v, n);
        return;
    }
    for (size_t i = 0; i < n; i += 4096)
        p[i] = v;
    p[n - 1] = v;
}

static int intact(const unsigned char *p, size_t n, unsigned char v)
{
    return p[0] == v && p[n / 2 & ~(size_t)4095] == v && p[n - 1] == v;
}

static long status_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long v = -1;
    size_t k = strlen(key);
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, key, k) && line[k] == ':')
            v = atol(line + k + 1);
    if (f)
        fclose(f);
    return v;
}

static long statm_rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = -1;
    if (f && fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = -1;
    if (f)
        fclose(f);
    return rss < 0 ? -1 : rss * (sysconf(_SC_PAGESIZE) / 1024);
}

int main(int argc, char **argv)
{
    double gib = argc > 1 ? atof(argv[1]) : 10.0;
    long max_rss_mib = argc > 2 ? atol(argv[2]) : 512;
    uint64_t target = (uint64_t)(gib * (1ull << 30)), total = 0;
    unsigned char *v[WINDOW] = { 0 };
    size_t sz[WINDOW] = { 0 };
    size_t live = 0, live_max = 0;
    unsigned long blocks = 0, reallocs = 0;
    uint64_t s = 0x853c49e6748fea9bull;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (total < target) {
        int i = (int)(rng(&s) % WINDOW);
        size_t n = pick(&s);
        unsigned char tag = (unsigned char)(i + 1);
        if (v[i] && !intact(v[i], sz[i], tag)) {
            fprintf(stderr, "big_total: block %p of %zu bytes damaged\n", (void *)v[i], sz[i]);
            return 1;
        }
        if (v[i] && rng(&s) % 20 == 0) {
            unsigned char *p = realloc(v[i], n);
            if (!p) {
                fprintf(stderr, "big_total: realloc of %zu bytes failed\n", n);
                return 1;
            }
            size_t kept = n < sz[i] ? n : sz[i];
            if (p[0] != tag || (sz[i] < 64 * 1024 && p[kept - 1] != tag)) {
                fprintf(stderr, "big_total: realloc lost the contents\n");
                return 1;
            }
            v[i] = p;
            reallocs++;
        } else {
            free(v[i]);
            v[i] = malloc(n);
            if (!v[i]) {
                fprintf(stderr, "big_total: malloc of %zu bytes failed\n", n);
                return 1;
            }
        }
        live = live - sz[i] + n;
        if (live > live_max)
            live_max = live;
        sz[i] = n;
        fill(v[i], n, tag);
        total += n;
        blocks++;
    }
    for (int i = 0; i < WINDOW; i++)
        free(v[i]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long rss = statm_rss_kib(), hwm = status_kib("VmHWM");
    printf("big_total: %.1f GiB in %lu blocks (%lu reallocs) in %.1f s, live set at most "
           "%.1f MiB; rss at end %ld MiB, peak rss %ld MiB\n",
           total / (double)(1ull << 30), blocks, reallocs,
           (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
           live_max / 1048576.0, rss / 1024, hwm / 1024);
    if (rss < 0 || rss / 1024 > max_rss_mib) {
        fprintf(stderr, "big_total: resident set at the end is %ld MiB, above %ld MiB\n",
                rss / 1024, max_rss_mib);
        return 1;
    }
    printf("ok\n");
    return 0;
}
