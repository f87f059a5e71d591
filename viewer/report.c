/* `ward report [--json] [--top N] TRACE`: what happened in a traced run,
 * as text (this file) or JSON (report_json.c). */
#include "cli.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>

static const char usage[] =
    "usage: ward report [--json] [--top N] TRACE\n"
    "\n"
    "Summarises a trace written by ward run --trace: totals, the peak heap,\n"
    "top allocation sites (by bytes at the peak, bytes never freed, calls),\n"
    "owners, coroutines, pinned blocks and every error, with symbolized\n"
    "stacks. --json writes the same as JSON (see docs/trace-format.md).\n";

static void size_text(char *buf, size_t n, uint64_t bytes)
{
    fmt_t f;
    fmt_init(&f, buf, n, -1);
    fmt_size(&f, bytes);
    fmt_cstr(&f);
}

/* "func file.c:12 <- func file.c:40 <- ..." for the first frames. */
static void site_text(struct summary *s, uint32_t stack, char *buf, size_t n)
{
    uintptr_t pcs[4];
    struct sym_frame fr[4];
    int k = summary_frames(s, stack, 3, pcs, fr);
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < k && len < n; i++) {
        const char *file = strrchr(fr[i].file, '/') ? strrchr(fr[i].file, '/') + 1 : fr[i].file;
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? " <- " : "", fr[i].func);
        if (file[0] && len < n)
            len += (size_t)snprintf(buf + len, n - len, " %s:%u", file, fr[i].line);
    }
    if (k == 0)
        snprintf(buf, n, "<no stack>");
}

static void print_sites(struct summary *s, const char *title, struct site **v, int which)
{
    char where[1024];
    uint32_t shown = 0;
    printf("\n%s\n", title);
    printf("  %12s %9s  %s\n", which == 2 ? "calls" : "bytes", which == 2 ? "bytes" : "blocks",
           "site");
    for (uint32_t i = 0; i < s->nsites && shown < s->top; i++) {
        const struct site *x = v[i];
        uint64_t a = which == 0 ? x->peak_bytes : which == 1 ? x->leaked_bytes : x->calls;
        uint64_t b = which == 0 ? x->peak_blocks : which == 1 ? x->leaked_blocks : x->total_bytes;
        if (!a)
            break;
        site_text(s, x->stack, where, sizeof where);
        printf("  %12llu %9llu  %s\n", (unsigned long long)a, (unsigned long long)b, where);
        shown++;
    }
    if (!shown)
        printf("  (none)\n");
}

static void print_owners(struct summary *s)
{
    const struct replay *r = &s->end;
    printf("\nowners:\n  %-24s %12s %12s %12s %12s\n", "owner", "live bytes", "live blocks",
           "peak bytes", "allocations");
    for (uint32_t id = 0; id < r->nowners; id++) {
        const struct rp_tally *x = &r->owners[id];
        if (!x->allocs && !x->peak_bytes)
            continue;
        printf("  %-24s %12llu %12llu %12llu %12llu\n", tr_owner_name(s->t, id),
               (unsigned long long)x->live_bytes, (unsigned long long)x->live_blocks,
               (unsigned long long)x->peak_bytes, (unsigned long long)x->allocs);
    }
}

static void print_coros(struct summary *s)
{
    const struct tr_trace *t = s->t;
    const struct replay *r = &s->end;
    bool any = false;
    for (uint32_t id = 1; id < t->ncoros; id++) {
        if (!t->coros[id].seen)
            continue;
        if (!any)
            printf("\ncoroutines:\n  %-28s %7s %12s %12s %12s\n", "coroutine", "thread",
                   "allocations", "peak bytes", "live bytes");
        any = true;
        char name[64];
        const char *nm = tr_coro_name(t, id);
        snprintf(name, sizeof name, "%u%s%s%s", id, nm ? " (" : "", nm ? nm : "", nm ? ")" : "");
        const struct rp_tally *x = id < r->ncoros ? &r->coros[id] : NULL;
        printf("  %-28s %7s%-4u %12llu %12llu %12llu\n", name, "T", t->coros[id].thread,
               (unsigned long long)(x ? x->allocs : 0), (unsigned long long)(x ? x->peak_bytes : 0),
               (unsigned long long)(x ? x->live_bytes : 0));
    }
}

static void print_pinned(struct summary *s)
{
    char where[1024];
    printf("\npinned blocks live at the end: %u\n", s->npinned);
    for (uint32_t i = 0; i < s->npinned && i < s->top; i++) {
        const struct rp_block *b = &s->pinned[i];
        site_text(s, b->stack, where, sizeof where);
        printf("  0x%llx  %llu bytes, owner \"%s\", allocated at %s\n", (unsigned long long)b->addr,
               (unsigned long long)b->size, tr_owner_name(s->t, b->owner), where);
    }
}

static void print_errors(struct summary *s)
{
    char buf[16384], prefix[48];
    fmt_t f;
    printf("\nerrors: %u\n", s->t->nerrors);
    fmt_init(&f, buf, sizeof buf, 1);
    snprintf(prefix, sizeof prefix, "==%llu== ward: ", (unsigned long long)s->t->pid);
    struct rt_out out = { &f, prefix, summary_print_stack, summary_top_frame, s };
    fflush(stdout);
    for (uint32_t i = 0; i < s->t->nerrors; i++) {
        struct rt_report r = s->t->errors[i].r;
        tr_error_names(s->t, s->t->errors[i].ts, &r);
        rt_print(&out, &r);
    }
    fmt_flush(&f);
}

static void print_text(struct summary *s, const char *path)
{
    const struct tr_trace *t = s->t;
    const struct replay *r = &s->end;
    char a[32], b[32];
    printf("ward report for %s\n", path);
    printf("program:    %s (pid %llu)\n", t->cmdline && *t->cmdline ? t->cmdline : "?",
           (unsigned long long)t->pid);
    printf("duration:   %.3f s, %llu events, %s\n", (double)t->duration / 1e9,
           (unsigned long long)t->events, t->truncated ? "TRUNCATED" : "complete");
    if (t->truncated)
        printf("            %s\n", t->why);
    size_text(a, sizeof a, r->total_bytes);
    printf("allocated:  %llu blocks, %s in all (%llu frees, %llu reallocs)\n",
           (unsigned long long)r->allocs, a, (unsigned long long)r->frees,
           (unsigned long long)r->reallocs);
    size_text(a, sizeof a, r->peak_bytes);
    printf("peak heap:  %s in %llu blocks, at %.3f s\n", a, (unsigned long long)r->peak_blocks,
           (double)r->peak_ts / 1e9);
    size_text(b, sizeof b, r->live_bytes);
    printf("at the end: %s in %llu blocks not freed\n", b, (unsigned long long)r->live_blocks);
    print_sites(s, "top allocation sites by bytes at the peak:", s->by_peak, 0);
    print_sites(s, "top allocation sites by bytes never freed:", s->by_leaked, 1);
    print_sites(s, "top allocation sites by calls:", s->by_calls, 2);
    print_owners(s);
    print_coros(s);
    print_pinned(s);
    print_errors(s);
}

int cmd_report(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false;
    uint32_t top = 10;
    char err[512];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (!strcmp(argv[i], "--top")) {
            char *end = NULL;
            unsigned long n = i + 1 < argc ? strtoul(argv[++i], &end, 10) : 0;
            if (!end || *end || end == argv[i] || n == 0 || n > 100000) {
                cli_error("--top takes a number of sites from 1 to 100000%s%s%s",
                          end ? ", not '" : "", end ? argv[i] : "", end ? "'" : "");
                return 2;
            }
            top = (uint32_t)n;
        } else if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_error("unknown option '%s' for ward report (try ward report --help)", argv[i]);
            return 2;
        } else if (!path)
            path = argv[i];
        else {
            cli_error("ward report takes one trace, not '%s' too", argv[i]);
            return 2;
        }
    }
    if (!path) {
        fputs(usage, stderr);
        return 2;
    }
    struct tr_trace t;
    struct summary s;
    if (tr_open(&t, path, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (summary_build(&s, &t, top, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        tr_close(&t);
        return 1;
    }
    if (json)
        report_json(&s, path);
    else
        print_text(&s, path);
    if (t.truncated)
        fprintf(stderr, "ward: warning: %s\n", t.why);
    summary_free(&s);
    tr_close(&t);
    /* A report cut short by a full disk or a closed pipe is no report. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("cannot write the report: %s", strerror(errno));
        return 1;
    }
    return 0;
}
