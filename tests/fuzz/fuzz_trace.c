/* libFuzzer target: the trace reader and the replay must reject or read
 * any input without crashing, hanging or reading out of bounds. */
#include <stddef.h>
#include <stdint.h>

#include "replay.h"
#include "trace_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tr_trace t;
    struct replay r;
    char err[256];
    if (tr_open_mem(&t, data, size, err, sizeof err) < 0)
        return 0;
    for (uint32_t i = 0; i < t.nerrors; i++)
        tr_error_names(&t, t.errors[i].ts, &t.errors[i].r);
    rp_replay_all(&r, &t);
    rp_free(&r);
    tr_close(&t);
    return 0;
}
