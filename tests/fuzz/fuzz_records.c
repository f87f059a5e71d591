/* libFuzzer target for the record parser: the input is a decompressed
 * trace (`zstd -dc` of a real one makes a seed), cut into chunks at each
 * "WTRC" magic and recompressed, so that mutations reach the records
 * rather than dying in zstd. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "replay.h"
#include "trace_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t cap = ZSTD_compressBound(size) + 64 * (size / 4 + 1);
    uint8_t *out = malloc(cap);
    size_t used = 0, start = 0;
    if (!out)
        return 0;
    for (size_t i = 1; i <= size; i++) {
        if (i < size && !(i + 4 <= size && memcmp(data + i, "WTRC", 4) == 0))
            continue;
        size_t n = ZSTD_compress(out + used, cap - used, data + start, i - start, 1);
        if (ZSTD_isError(n))
            break;
        used += n;
        start = i;
    }
    struct tr_trace t;
    struct replay r;
    char err[256];
    if (tr_open_mem(&t, out, used, err, sizeof err) == 0) {
        rp_replay_all(&r, &t);
        rp_free(&r);
        tr_close(&t);
    }
    free(out);
    return 0;
}
