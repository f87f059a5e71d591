/* libFuzzer target: ward view's index file (TRACE.idx), as read back for
 * a trace. The input is written as the index of a fixed trace (named by
 * WARD_FUZZ_TRACE); opening it must either accept it, with every
 * checkpoint then restorable and replayable, or build the index anew;
 * never crash, hang or read out of bounds. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "replay.h"
#include "trace_index.h"
#include "trace_read.h"

static struct tr_trace trace;
static const char *trace_path;
static char idx_path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char err[256];
    (void)argc;
    (void)argv;
    trace_path = getenv("WARD_FUZZ_TRACE");
    if (!trace_path || tr_open(&trace, trace_path, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz_index: set WARD_FUZZ_TRACE to a readable trace\n");
        exit(1);
    }
    snprintf(idx_path, sizeof idx_path, "%s.idx", trace_path);
    return 0;
}

static void write_index(const uint8_t *data, size_t size)
{
    int fd = open(idx_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
}

/* What ward view does with an index: restore a checkpoint, replay on. */
static void use(const struct ti_index *ix)
{
    uint32_t n = ix->h->ncheckpoints < 32 ? ix->h->ncheckpoints : 32;
    for (uint32_t k = 0; k < n; k++) {
        struct replay r;
        struct tr_iter *it;
        struct tr_event ev;
        if (ti_restore(ix, k, &r, &it) < 0)
            continue;
        uint64_t e = ix->ckpts[k].event;
        for (int i = 0; i < 200 && it && tr_iter_next(it, &ev); i++)
            ti_apply(ix, &r, &ev, e++);
        tr_iter_free(it);
        rp_free(&r);
    }
    ti_error_at(ix, 0);
    ti_checkpoint_of_event(ix, ix->h->events / 2);
    ti_checkpoint_of_ts(ix, ix->h->duration / 2);
    ti_bin_of(ix, ix->h->duration / 3);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ti_index ix;
    struct ti_options o = { .no_save = true };
    char err[512];
    write_index(data, size);
    if (ti_open(&ix, &trace, trace_path, &o, err, sizeof err) == 0) {
        if (!ix.built)
            use(&ix);
        ti_close(&ix);
    }
    return 0;
}
