/* `ward report --json`: the same figures as the text report, with stable
 * field names (documented in docs/trace-format.md), for scripts and CI. */
#include "cli.h"
#include "summary.h"

#include <stdio.h>
#include <string.h>

/* The length of the well-formed UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
    int n = s[0] >= 0xf5 ? 0 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
    if (n == 0 || (s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

/* Names come from the traced program (thread names cut at 15 bytes by the
 * kernel, owner strings) and may not be UTF-8: a byte that is not part of
 * a well-formed sequence becomes U+FFFD, so the output stays valid JSON. */
static void str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        unsigned char c = *p;
        int n;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c == '\n')
            fputs("\\n", stdout);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else if (c < 0x80)
            putchar(c);
        else if ((n = utf8_len(p)) > 0) {
            fwrite(p, 1, (size_t)n, stdout);
            p += n - 1;
        } else
            fputs("\\ufffd", stdout);
    }
    putchar('"');
}

static void stack(struct summary *s, uint32_t id)
{
    uintptr_t pcs[128];
    static struct sym_frame fr[128];
    int n = summary_frames(s, id, 128, pcs, fr);
    putchar('[');
    for (int i = 0; i < n; i++) {
        printf("%s{\"address\":\"0x%llx\",\"function\":", i ? "," : "",
               (unsigned long long)pcs[i]);
        str(fr[i].func);
        if (fr[i].file[0]) {
            fputs(",\"file\":", stdout);
            str(fr[i].file);
            printf(",\"line\":%u", fr[i].line);
        } else if (fr[i].module) {
            fputs(",\"module\":", stdout);
            str(fr[i].module);
            printf(",\"offset\":\"0x%llx\"", (unsigned long long)fr[i].modoff);
        }
        putchar('}');
    }
    putchar(']');
}

static void sites(struct summary *s, const char *name, struct site **v, int which)
{
    uint32_t shown = 0;
    printf("%s\"%s\":[", which ? "," : "", name);
    for (uint32_t i = 0; i < s->nsites && shown < s->top; i++) {
        const struct site *x = v[i];
        uint64_t key = which == 0 ? x->peak_bytes : which == 1 ? x->leaked_bytes : x->calls;
        if (!key)
            break;
        printf("%s{\"peak_bytes\":%llu,\"peak_blocks\":%llu,\"leaked_bytes\":%llu,"
               "\"leaked_blocks\":%llu,\"calls\":%llu,\"total_bytes\":%llu,\"stack\":",
               shown ? "," : "", (unsigned long long)x->peak_bytes,
               (unsigned long long)x->peak_blocks, (unsigned long long)x->leaked_bytes,
               (unsigned long long)x->leaked_blocks, (unsigned long long)x->calls,
               (unsigned long long)x->total_bytes);
        stack(s, x->stack);
        putchar('}');
        shown++;
    }
    putchar(']');
}

static void tally(const char *key, const struct rp_tally *x)
{
    printf("%s\"live_bytes\":%llu,\"live_blocks\":%llu,\"peak_bytes\":%llu,\"allocations\":%llu,"
           "\"total_bytes\":%llu", key, (unsigned long long)x->live_bytes,
           (unsigned long long)x->live_blocks, (unsigned long long)x->peak_bytes,
           (unsigned long long)x->allocs, (unsigned long long)x->total_bytes);
}

static void errors(struct summary *s)
{
    static char text[65536];
    char prefix[48];
    snprintf(prefix, sizeof prefix, "==%llu== ward: ", (unsigned long long)s->t->pid);
    fputs(",\"errors\":[", stdout);
    for (uint32_t i = 0; i < s->t->nerrors; i++) {
        const struct tr_error *e = &s->t->errors[i];
        struct rt_report r = e->r;
        fmt_t f;
        tr_error_names(s->t, e->ts, &r);
        fmt_init(&f, text, sizeof text, -1);
        struct rt_out out = { &f, prefix, summary_print_stack, summary_top_frame, s };
        rt_print(&out, &r);
        printf("%s{\"kind\":\"%s\",\"warning\":%s,\"time_ns\":%llu,\"thread\":%u,"
               "\"coroutine\":%u,\"address\":\"0x%llx\",\"operation\":",
               i ? "," : "", rt_kind_name(r.kind), r.warning ? "true" : "false",
               (unsigned long long)e->ts, e->thread, e->coro, (unsigned long long)r.addr);
        str(r.op);
        if (r.kind == RT_LEAK)
            printf(",\"leak_bytes\":%llu,\"leak_blocks\":%llu,\"indirect\":%s",
                   (unsigned long long)r.leak_bytes, (unsigned long long)r.leak_blocks,
                   r.indirect ? "true" : "false");
        fputs(",\"owner\":", stdout);
        str(r.owner_name);
        fputs(",\"stack\":", stdout);
        stack(s, r.kind == RT_LEAK ? r.alloc_stack : r.op_stack);
        fputs(",\"allocation_stack\":", stdout);
        stack(s, r.alloc_stack);
        fputs(",\"free_stack\":", stdout);
        stack(s, r.free_stack);
        fputs(",\"text\":", stdout);
        str(fmt_cstr(&f));
        putchar('}');
    }
    putchar(']');
}

void report_json(struct summary *s, const char *path)
{
    const struct tr_trace *t = s->t;
    const struct replay *r = &s->end;
    fputs("{\"trace\":", stdout);
    str(path);
    fputs(",\"program\":", stdout);
    str(t->program);
    fputs(",\"command\":", stdout);
    str(t->cmdline);
    printf(",\"pid\":%llu,\"complete\":%s,\"truncated\":", (unsigned long long)t->pid,
           t->truncated ? "false" : "true");
    if (t->truncated)
        str(t->why);
    else
        fputs("null", stdout);
    printf(",\"duration_ns\":%llu,\"events\":%llu,\"allocations\":%llu,\"frees\":%llu,"
           "\"reallocs\":%llu,\"total_bytes\":%llu,"
           "\"peak\":{\"bytes\":%llu,\"blocks\":%llu,\"time_ns\":%llu},"
           "\"end\":{\"bytes\":%llu,\"blocks\":%llu}",
           (unsigned long long)t->duration, (unsigned long long)t->events,
           (unsigned long long)r->allocs, (unsigned long long)r->frees,
           (unsigned long long)r->reallocs, (unsigned long long)r->total_bytes,
           (unsigned long long)r->peak_bytes, (unsigned long long)r->peak_blocks,
           (unsigned long long)r->peak_ts, (unsigned long long)r->live_bytes,
           (unsigned long long)r->live_blocks);
    fputs(",\"sites\":{", stdout);
    sites(s, "by_peak", s->by_peak, 0);
    sites(s, "by_leaked", s->by_leaked, 1);
    sites(s, "by_calls", s->by_calls, 2);
    fputs("},\"owners\":[", stdout);
    for (uint32_t id = 0, k = 0; id < r->nowners; id++) {
        if (!r->owners[id].allocs && !r->owners[id].peak_bytes)
            continue;
        fputs(k++ ? ",{\"name\":" : "{\"name\":", stdout);
        str(tr_owner_name(t, id));
        tally(",", &r->owners[id]);
        putchar('}');
    }
    fputs("],\"coroutines\":[", stdout);
    for (uint32_t id = 1, k = 0; id < t->ncoros; id++) {
        if (!t->coros[id].seen)
            continue;
        printf("%s{\"id\":%u,\"name\":", k++ ? "," : "", id);
        str(tr_coro_name(t, id));
        printf(",\"thread\":%u", t->coros[id].thread);
        static const struct rp_tally zero;
        tally(",", id < r->ncoros ? &r->coros[id] : &zero);
        putchar('}');
    }
    fputs("],\"pinned\":[", stdout);
    for (uint32_t i = 0; i < s->npinned; i++) {
        const struct rp_block *b = &s->pinned[i];
        printf("%s{\"address\":\"0x%llx\",\"size\":%llu,\"owner\":", i ? "," : "",
               (unsigned long long)b->addr, (unsigned long long)b->size);
        str(tr_owner_name(t, b->owner));
        fputs(",\"stack\":", stdout);
        stack(s, b->stack);
        putchar('}');
    }
    putchar(']');
    errors(s);
    puts("}");
}
