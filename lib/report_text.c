/* Report text (see report_text.h). Allocation-free: it runs inside the
 * traced process too. */
#include "report_text.h"

static const char *const kind_names[] = {
    "double-free", "invalid-free", "use-after-free", "heap-buffer-overflow",
    "heap-buffer-underflow", "leak", "pinned-move", "moved-self-reference",
    "stack-overflow", "alloc-dealloc-mismatch", "new-delete-type-mismatch",
};

const char *rt_kind_name(unsigned kind)
{
    return kind < WD_ARRAY_LEN(kind_names) ? kind_names[kind] : "unknown";
}

void rt_ctx_text(fmt_t *f, const struct rt_ctx *c)
{
    if (!c->known) {
        fmt_str(f, "an unknown thread");
        return;
    }
    fmt_str(f, "thread T");
    fmt_u64(f, c->thread);
    if (c->thread_name && c->thread_name[0]) {
        fmt_str(f, " (");
        fmt_str(f, c->thread_name);
        fmt_str(f, ")");
    }
    if (c->coro) {
        fmt_str(f, ", coroutine ");
        fmt_u64(f, c->coro);
        if (c->coro_name && c->coro_name[0]) {
            fmt_str(f, " (");
            fmt_str(f, c->coro_name);
            fmt_str(f, ")");
        }
    }
}

void rt_where_block(fmt_t *f, uint64_t a, uint64_t user, uint64_t size, const char *owner,
                    bool pinned, bool freed)
{
    fmt_hex(f, a);
    if (a == user) {
        fmt_str(f, " is the start of a ");
    } else if (a > user && a < user + size) {
        fmt_str(f, " is ");
        fmt_u64(f, a - user);
        fmt_str(f, " bytes inside a ");
    } else if (a >= user + size) {
        fmt_str(f, " is ");
        fmt_u64(f, a - (user + size));
        fmt_str(f, " bytes after the end of a ");
    } else {
        fmt_str(f, " is ");
        fmt_u64(f, user - a);
        fmt_str(f, " bytes before the start of a ");
    }
    fmt_u64(f, size);
    fmt_str(f, "-byte block [");
    fmt_hex(f, user);
    fmt_str(f, ", ");
    fmt_hex(f, user + size);
    fmt_str(f, "), owner \"");
    fmt_str(f, owner);
    fmt_str(f, "\"");
    if (pinned)
        fmt_str(f, ", pinned");
    if (freed)
        fmt_str(f, ", already freed");
}

void rt_frame(fmt_t *f, unsigned idx, uintptr_t pc, const struct sym_frame *sf)
{
    fmt_str(f, "    #");
    fmt_u64(f, idx);
    fmt_str(f, " ");
    fmt_hex(f, pc);
    fmt_str(f, " in ");
    fmt_str(f, sf->func);
    if (sf->file[0]) {
        fmt_str(f, " ");
        fmt_str(f, sf->file);
        fmt_str(f, ":");
        fmt_u64(f, sf->line);
    } else if (sf->module) {
        fmt_str(f, " (");
        fmt_str(f, sf->module);
        fmt_str(f, "+");
        fmt_hex(f, sf->modoff);
        fmt_str(f, ")");
    }
    fmt_str(f, "\n");
}

static void section(const struct rt_out *o, const char *title, const struct rt_ctx *c,
                    uint32_t stack)
{
    fmt_str(o->f, title);
    if (c) {
        rt_ctx_text(o->f, c);
        fmt_str(o->f, " at:");
    }
    fmt_str(o->f, "\n");
    o->stack(o->arg, o->f, stack);
}

static void print_leak(const struct rt_out *o, const struct rt_report *r)
{
    fmt_t *f = o->f;
    fmt_str(f, o->prefix);
    fmt_str(f, "ERROR: leak of ");
    fmt_u64(f, r->leak_bytes);
    fmt_str(f, r->leak_bytes == 1 ? " byte in " : " bytes in ");
    fmt_u64(f, r->leak_blocks);
    fmt_str(f, r->leak_blocks == 1 ? " block" : " blocks");
    fmt_str(f, ", owner \"");
    fmt_str(f, r->owner_name);
    fmt_str(f, r->indirect ? "\" (indirect: reachable only from other leaks)\n" : "\"\n");
    fmt_str(f, "allocated by ");
    rt_ctx_text(f, &r->alloc_ctx);
    fmt_str(f, r->many_threads && r->many_coros ? " and other threads and coroutines at:\n"
               : r->many_threads                ? " and other threads at:\n"
               : r->many_coros                  ? " and other coroutines at:\n"
                                                : " at:\n");
    o->stack(o->arg, f, r->alloc_stack);
    fmt_str(f, "\n");
}

void rt_print(const struct rt_out *o, const struct rt_report *r)
{
    fmt_t *f = o->f;
    struct sym_frame top;
    if (r->kind == RT_LEAK) {
        print_leak(o, r);
        return;
    }
    fmt_str(f, o->prefix);
    fmt_str(f, r->warning ? "WARNING: " : "ERROR: ");
    fmt_str(f, rt_kind_name(r->kind));
    fmt_str(f, " on ");
    fmt_hex(f, r->addr);
    fmt_str(f, " (");
    fmt_str(f, r->op);
    fmt_str(f, ") in ");
    rt_ctx_text(f, &r->op_ctx);
    fmt_str(f, "\n");
    o->stack(o->arg, f, r->op_stack);
    fmt_str(f, r->where);
    fmt_str(f, "\n");
    if (r->note && r->note[0]) {
        fmt_str(f, r->note);
        fmt_str(f, "\n");
        if (r->note_stack)
            o->stack(o->arg, f, r->note_stack);
    }
    if (r->alloc_stack)
        section(o, "allocated by ", &r->alloc_ctx, r->alloc_stack);
    if (r->also && r->also[0])
        section(o, r->also, NULL, r->also_stack);
    if (r->free_stack)
        section(o, "freed by ", &r->free_ctx, r->free_stack);
    fmt_str(f, o->prefix);
    fmt_str(f, "SUMMARY: ");
    fmt_str(f, rt_kind_name(r->kind));
    if (o->top(o->arg, r->op_stack, &top)) {
        fmt_str(f, " in ");
        fmt_str(f, top.func);
        if (top.file[0]) {
            fmt_str(f, " ");
            fmt_str(f, top.file);
            fmt_str(f, ":");
            fmt_u64(f, top.line);
        }
    }
    fmt_str(f, "\n");
}
