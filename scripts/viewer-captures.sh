#!/bin/bash
# Prints the text captures of docs/viewer.md: each view of ward view, as
# `ward view --keys ... --dump` shows it, over traces of
# docs/examples/coro_scheduler.c (held-across-yield) and
# tests/progs/view_cases.c. Usage: scripts/viewer-captures.sh (after make)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WARD=${WARD:-$ROOT/build/bin/ward}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
cc -g -O0 -w -I"$ROOT/lib" -o sched "$ROOT/docs/examples/coro_scheduler.c"
cc -g -O0 -w -I"$ROOT/lib" -o view_cases "$ROOT/tests/progs/view_cases.c"
"$WARD" run --trace=sched.wtr -- ./sched held-across-yield >/dev/null 2>&1 || true
"$WARD" run --trace=cases.wtr -- ./view_cases >/dev/null 2>&1 || true
export LC_ALL=C.UTF-8

capture() {
    local title=$1 trace=$2 keys=$3; shift 3
    printf '### %s\n\n`ward view --keys "%s" --dump %s`\n\n```\n' "$title" "$keys" "$*${*:+ }$trace"
    "$WARD" view --keys "$keys" --dump "$@" "$trace"
    printf '```\n\n'
}

capture "Heap, at the peak" sched.wtr p
capture "Sites, at the peak" sched.wtr p2
capture "Pinned, at the end" cases.wtr G3
capture "Errors" sched.wtr 4
capture "An error's report" sched.wtr "4<Enter>" --size 100x40
capture "Events, at the first error" sched.wtr e5
capture "Help" sched.wtr "?" --size 80x56
