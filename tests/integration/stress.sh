#!/bin/bash
# Stress (tests/stress/*.c): 16 threads trading blocks, fork while threads
# allocate, exec from children and threads, exit while threads allocate,
# signal handlers interrupting allocation, dlopen/dlclose of a library that
# allocates, and 10 GiB allocated in all with a small live set. Each runs
# under ward run with the default options (the cheap ones also with
# guard=all, four also with traces that ward report must read back) inside
# a timeout: it must exit 0, print "ok" last, and ward must report no
# error; big_total's peak resident size must stay under 256 MiB (measured:
# 21 MiB under ward with the 16M quarantine, 28-30 MiB with 32M, 14 MiB
# without). scripts/reliability.sh runs the
# same programs longer.
. "$(dirname "$0")/../lib.sh"
S=$ROOT/tests/stress
for p in threads16 fork_threads exec_child exit_threads signals dlopen big_total; do
    cc -O2 -g -w -o "$TMP/$p" "$S/$p.c" -pthread -ldl -lrt || fail "cannot compile $p"
done
cc -O2 -g -w -shared -fPIC -o "$TMP/libdlstress.so" "$S/dlopen_lib.c" || fail "cannot compile dlopen_lib"

# stress LIMIT NAME [--ward-option...] -- [ARGS...]: runs NAME under ward
# for at most LIMIT seconds and checks the outcome. Every scenario runs; the
# failures are listed at the end, each with the head of its stderr.
failures=()
stress() {
    local limit=$1 name=$2 opts=() what
    shift 2
    while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    what="$name${opts[*]:+ ${opts[*]}}"
    run timeout -k 5 "$limit" "$WARD" run "${opts[@]}" -- "$TMP/$name" "$@"
    if [ "$RC" -eq 0 ] && [ "$(tail -n 1 "$TMP/out")" = ok ] &&
        ! grep -q "ward: ERROR" "$TMP/err"; then
        echo "     $(tail -n 2 "$TMP/out" | head -n 1)${opts[*]:+ (${opts[*]})}"
        return 0
    fi
    local why="status $RC"
    [ "$RC" -eq 124 ] && why="still running after ${limit}s (hang?)"
    grep -q "ward: ERROR" "$TMP/err" && why="$why, ward reported errors: $(grep -c "ward: ERROR" "$TMP/err")"
    # Whose fault: the same run without ward.
    if timeout -k 5 "$limit" "$TMP/$name" "$@" > /dev/null 2>&1; then
        why="$why; passes without ward"
    else
        why="$why; FAILS WITHOUT WARD TOO"
    fi
    failures+=("$what: $why: $(grep -v '^ok$' "$TMP/out" | tail -n 1)")
    echo "FAIL $what: $why"
    head -c 3000 "$TMP/err"
    echo
    return 1
}

# trace_clean FILE: ward report reads the whole trace and finds no error.
trace_clean() {
    run "$WARD" report "$1"
    if [ "$RC" -ne 0 ] || ! grep -qE "^duration: .*, complete$" "$TMP/out" ||
        ! grep -qx "errors: 0" "$TMP/out"; then
        failures+=("ward report $(basename "$1"): status $RC, $(grep -E '^(duration|errors)' "$TMP/out" | tr '\n' ' ')")
        echo "FAIL ward report $1"
        head -c 2000 "$TMP/err"
        echo
    fi
}

cd "$TMP" || fail "no $TMP"
stress 60 threads16 -- 2
stress 60 threads16 --guard=all -- 1
stress 60 threads16 --trace="$TMP/threads16.wtr" -- 1 &&
    trace_clean "$TMP/threads16.wtr"
stress 90 fork_threads -- 40
# Traced: the parent and each child (half leave by exit, half by _exit)
# write a complete trace of their own.
if stress 60 fork_threads --trace="$TMP/fork.%p.wtr" -- 10; then
    n=$(ls "$TMP"/fork.*.wtr 2>/dev/null | wc -l)
    [ "$n" -eq 11 ] || failures+=("fork_threads --trace: $n trace files for 1 parent and 10 children")
    for f in "$TMP"/fork.*.wtr; do trace_clean "$f"; done
fi
stress 60 exec_child -- 40
stress 60 exec_child --guard=all -- 20
# Traced: every process and every exec'd image writes a trace of its own
# (10 rounds make 14 images besides the parent); each must read back whole.
if stress 60 exec_child --trace="$TMP/exec.%p.wtr" -- 10; then
    n=$(ls "$TMP"/exec.*.wtr | wc -l)
    [ "$n" -ge 15 ] || failures+=("exec_child --trace: $n trace files, expected 15 or more")
    for f in "$TMP"/exec.*.wtr; do trace_clean "$f"; done
fi
stress 60 exit_threads -- 40
stress 60 signals -- 2
stress 60 signals --guard=all -- 1
stress 60 dlopen -- "$TMP/libdlstress.so" 2000
stress 60 dlopen --guard=all -- "$TMP/libdlstress.so" 1000
stress 60 dlopen --trace="$TMP/dlopen.wtr" -- "$TMP/libdlstress.so" 1000 &&
    trace_clean "$TMP/dlopen.wtr"
if stress 120 big_total -- 10 128; then
    peak=$(sed -n 's/.*peak rss \([0-9]*\) MiB.*/\1/p' "$TMP/out")
    [ -n "$peak" ] && [ "$peak" -lt 256 ] ||
        failures+=("big_total: peak resident size '$peak' MiB under ward (limit 256)")
fi
if [ ${#failures[@]} -gt 0 ]; then
    rm -f "$TMP/err"                    # each failure's stderr is printed above
    fail "$(printf '\n  %s' "${failures[@]}")"
fi
pass
