#!/bin/bash
# Runs each fuzz target for FUZZ_TIME seconds on seeds made from traces of
# the example scheduler, and fails if any input crashes, hangs or leaks.
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
T=${FUZZ_TIME:-15}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -g -O0 -w -I"$ROOT/lib" -o "$work/sched" "$ROOT/docs/examples/coro_scheduler.c"
mkdir -p "$work/traces" "$work/raw"
for bug in "" held-across-yield double-free; do
    ( cd "$work/traces" && "$BUILD/bin/ward" run --trace=t.%p.wtr -- "$work/sched" $bug 200 \
        >/dev/null 2>&1 || true )
done
for f in "$work"/traces/*.wtr; do
    zstd -dcq "$f" > "$work/raw/$(basename "$f").raw"
done
run() {
    local target=$1 corpus=$2
    echo "== $target for ${T}s"
    (cd "$work" && "$BUILD/fuzz/$target" "$corpus" -max_total_time="$T" -rss_limit_mb=2048 \
        -max_len=200000 -timeout=10 -print_final_stats=1 2>&1 | grep -E "DONE|stat::")
    for bad in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
        [ -e "$bad" ] || continue
        echo "FAIL: $target found a bad input ($(basename "$bad"), base64 $(base64 -w0 "$bad"))"
        exit 1
    done
}
mkdir -p "$work/opts"
printf 'exitcode=5:leaks=0' > "$work/opts/1"
printf 'quarantine=64K:guard=all:trace=/tmp/x.%%p.wtr' > "$work/opts/2"
printf 'selfref=error::stack_depth=64:log_path=a' > "$work/opts/3"
run fuzz_trace "$work/traces"
run fuzz_records "$work/raw"
run fuzz_options "$work/opts"
mkdir -p "$work/supp"
printf '# known\nleak:lose_string\nleak:^main$\ndouble-free:*/vendor/*.c\n' > "$work/supp/1"
printf '\xef\xbb\xbfuse-after-free:a*b*c\r\nleak:libc.so\n' > "$work/supp/2"
run fuzz_suppress "$work/supp"
# The index of the first trace, as ward view writes it, is the seed; the
# fuzzer writes its inputs over the index of a copy.
first=$(ls "$work"/traces/*.wtr | head -1)
cp "$first" "$work/index.wtr"
mkdir -p "$work/idx"
"$BUILD/bin/ward" view --keys q --dump "$work/index.wtr" >/dev/null
mv "$work/index.wtr.idx" "$work/idx/seed"
WARD_FUZZ_TRACE="$work/index.wtr" run fuzz_index "$work/idx"
