#!/bin/bash
# The reliability scenarios of docs/reliability.md, one command each:
#
#   scripts/reliability.sh [-n RUNS] [SCENARIO...]
#
# SCENARIO is one of threads16 fork_threads exec_child exit_threads signals
# dlopen big_total redis sqlite python fibers, or "all" (the default). Each is run
# RUNS times (default 3) without ward and under ward in the configurations
# the doc lists; the table gives, per configuration, the runs that passed
# (exit 0, "ok" printed where the program prints it, no "ward: ERROR"), the
# median wall time and peak resident size (the largest process of the run,
# from getrusage), the ward errors seen, and the program's own summary; for
# redis, requests per second (median) pipelined and not, the server's peak
# resident size and the trace size. Uses build/bin/ward (BUILD=DIR for
# another build); needs python3, redis-server and redis-tools for redis,
# g++ and libboost-context-dev for fibers.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WARD=$BUILD/bin/ward
RUNS=3
ALL="threads16 fork_threads exec_child exit_threads signals dlopen big_total redis sqlite python fibers"
while getopts n:h opt; do
    case $opt in
    n) RUNS=$OPTARG ;;
    *) sed -n '2,15p' "$0"; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
[ $# -eq 0 ] || [ "$*" = all ] && set -- $ALL
[ -x "$WARD" ] || { echo "no $WARD: run make first" >&2; exit 2; }
W=$(mktemp -d "${TMPDIR:-/tmp}/ward-reliability.XXXXXX")
# The stderr of every failed run is kept here, and the path printed.
FAILED=$(mktemp -d "${TMPDIR:-/tmp}/ward-reliability-failures.XXXXXX")
SCENARIO=
server=
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$W"; rmdir "$FAILED" 2>/dev/null' EXIT
unset WARD_OPTIONS

# measure PREFIX CMD...: runs CMD with stdout in PREFIX.out and stderr in
# PREFIX.err; prints "STATUS SECONDS PEAK_KIB".
measure() {
    python3 - "$@" <<'PY'
import resource, subprocess, sys, time
prefix, cmd = sys.argv[1], sys.argv[2:]
t = time.monotonic()
with open(prefix + ".out", "w") as out, open(prefix + ".err", "w") as err:
    rc = subprocess.call(cmd, stdout=out, stderr=err)
wall = time.monotonic() - t
print(rc, "%.2f" % wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
PY
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

header() {
    echo
    echo "### $1"
    echo
    echo "| configuration | passed | wall (s, median) | peak RSS (MiB, median) | ward errors | last run says |"
    echo "|---|---|---|---|---|---|"
}

# row LABEL OK_TEXT TIMEOUT [ward options | plain] -- CMD...: RUNS runs
# of CMD, plainly or under ward with the options; one table row.
row() {
    local label=$1 want=$2 limit=$3 opts=() plain=0 i r rc wall rss pass=0 errs=0
    local walls=() rsss=()
    shift 3
    while [ "$1" != -- ]; do
        if [ "$1" = plain ]; then plain=1; else opts+=("$1"); fi
        shift
    done
    shift
    for i in $(seq "$RUNS"); do
        if [ $plain = 1 ]; then
            r=$(cd "$W" && measure "$W/run" timeout -k 5 "$limit" "$@")
        else
            rm -f "$W"/*.wtr
            r=$(cd "$W" && measure "$W/run" timeout -k 5 "$limit" "$WARD" run "${opts[@]}" -- "$@")
        fi
        read -r rc wall rss <<< "$r"
        walls+=("$wall")
        rsss+=("$((rss / 1024))")
        errs=$((errs + $(grep -c "ward: ERROR" "$W/run.err")))
        if [ "$rc" -eq 0 ] && { [ -z "$want" ] || [ "$(tail -n 1 "$W/run.out")" = "$want" ]; } &&
            ! grep -q "ward: ERROR" "$W/run.err"; then
            pass=$((pass + 1))
        else
            local keep="$FAILED/$SCENARIO.${label// /_}.$i.err"
            cp "$W/run.err" "$keep"
            [ "$rc" -eq 124 ] && rc="$rc (timeout)"
            echo "  $SCENARIO, run $i of '$label' failed: status $rc, $(grep -c "ward: ERROR" "$W/run.err") ward errors; stderr in $keep" >&2
        fi
    done
    local note
    note=$(grep -v '^ok$' "$W/run.out" | tail -n 1 | cut -c1-160)
    if [ "${opts[*]}" ] && compgen -G "$W/*.wtr" > /dev/null; then
        note="$note; trace $(du -cb "$W"/*.wtr | tail -n 1 | awk '{ printf "%.1f MiB", $1 / 1048576 }')"
        [ "$(ls "$W"/*.wtr | wc -l)" -gt 1 ] && note="$note in $(ls "$W"/*.wtr | wc -l) files"
    fi
    printf '| %s | %d/%d | %s | %s | %d | %s |\n' "$label" "$pass" "$RUNS" \
        "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${rsss[@]}" | median)" "$errs" "$note"
}

build_stress() {
    [ -x "$W/threads16" ] && return
    local p
    for p in threads16 fork_threads exec_child exit_threads signals dlopen big_total; do
        cc -O2 -g -w -o "$W/$p" "$ROOT/tests/stress/$p.c" -pthread -ldl -lrt || exit 1
    done
    cc -O2 -g -w -shared -fPIC -o "$W/libdlstress.so" "$ROOT/tests/stress/dlopen_lib.c" || exit 1
}

# stress NAME ARGS -- CONFIG...: the plain run, then each configuration
# ("default", or ward options separated by commas).
stress() {
    local name=$1 args=() c
    shift
    while [ "$1" != -- ]; do args+=("$1"); shift; done
    shift
    build_stress
    header "$name ${args[*]}"
    row "without ward" ok 600 plain -- "$W/$name" "${args[@]}"
    for c in "$@"; do
        if [ "$c" = default ]; then
            row "ward" ok 600 -- "$W/$name" "${args[@]}"
        else
            row "ward --${c//,/ --}" ok 600 $(printf -- '--%s ' ${c//,/ }) -- "$W/$name" "${args[@]}"
        fi
    done
}

# ---- redis ----

redis_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# redis_once LABEL [ward options...]: one server, two benchmarks; prints
# "PIPELINED_RPS UNPIPELINED_RPS PEAK_MIB STATUS ERRORS TRACE_BYTES".
redis_once() {
    local label=$1 port pipelined unpipelined hwm rc errs=0 trace=0
    shift
    port=$(redis_port)
    rm -f "$W"/redis.wtr
    local pre=()
    [ "$label" = plain ] || pre=("$WARD" run --leaks=0 "$@" --)
    "${pre[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
        --daemonize no --dir "$W" > "$W/redis.out" 2> "$W/redis.err" &
    server=$!
    for _ in $(seq 300); do
        [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break
        sleep 0.1
    done
    # Requests per second over all five tests: requests / summed time.
    rps() {
        redis-benchmark -h 127.0.0.1 -p "$port" -c 50 -q -t set,get,incr,lpush,lpop "$@" 2>&1 |
            tr '\r' '\n' | awk '/requests per second/ { n++; t += 1 / $2 } END { if (n == 5) printf "%.0f", n / t; else print "FAILED" }'
    }
    pipelined=$(rps -n 200000 -P 16 -r 100000)
    unpipelined=$(rps -n 40000 -r 100000)
    hwm=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$server/status")
    redis-cli -p "$port" shutdown nosave > /dev/null 2>&1
    wait "$server"
    rc=$?
    server=
    errs=$(grep -c "ward: ERROR" "$W/redis.err")
    [ -f "$W/redis.wtr" ] && trace=$(stat -c %s "$W/redis.wtr")
    echo "$pipelined $unpipelined $hwm $rc $errs $trace"
}

scenario_redis() {
    local cfg label p u h rc e t ps us hs pass errs traces
    for tool in redis-server redis-benchmark redis-cli; do
        command -v $tool > /dev/null || { echo "redis: $tool is not installed (redis-server redis-tools)"; return; }
    done
    echo
    echo "### redis: redis-benchmark, 50 clients, SET GET INCR LPUSH LPOP, 100k random keys"
    echo
    echo "| configuration | passed | pipelined by 16, 1M requests (req/s) | not pipelined, 200k requests (req/s) | server peak RSS (MiB) | ward errors | trace |"
    echo "|---|---|---|---|---|---|---|"
    for cfg in plain ward trace; do
        ps=() us=() hs=() pass=0 errs=0 traces=()
        for _ in $(seq "$RUNS"); do
            case $cfg in
            plain) read -r p u h rc e t <<< "$(redis_once plain)" ;;
            ward) read -r p u h rc e t <<< "$(redis_once ward)" ;;
            trace) read -r p u h rc e t <<< "$(redis_once trace --trace="$W/redis.wtr")" ;;
            esac
            ps+=("$p") us+=("$u") hs+=("$h") traces+=("$t")
            errs=$((errs + e))
            [ "$rc" -eq 0 ] && [ "$e" -eq 0 ] && [ "$p" != FAILED ] && [ "$u" != FAILED ] && pass=$((pass + 1))
        done
        label=$cfg
        [ $cfg = ward ] && label="ward --leaks=0"
        [ $cfg = trace ] && label="ward --leaks=0 --trace"
        t=""
        [ $cfg = trace ] && t="$(printf '%s\n' "${traces[@]}" | median | awk '{ printf "%.1f MiB", $1 / 1048576 }')"
        printf '| %s | %d/%d | %s | %s | %s | %d | %s |\n' "$label" "$pass" "$RUNS" \
            "$(printf '%s\n' "${ps[@]}" | median)" "$(printf '%s\n' "${us[@]}" | median)" \
            "$(printf '%s\n' "${hs[@]}" | median)" "$errs" "$t"
    done
}

# ---- sqlite and python (the workloads of tests/real) ----

scenario_sqlite() {
    command -v sqlite3 > /dev/null || { echo "sqlite: sqlite3 is not installed"; return; }
    sed -n "/^PRAGMA cache_size/,/^PRAGMA integrity_check/p" "$ROOT/tests/real/sqlite_large.sh" > "$W/work.sql"
    cat > "$W/sqlite.sh" <<'SH'
rm -f "$1" "$1-journal" && sqlite3 "$1" ".read $2"
SH
    header "sqlite: one transaction of 500k rows, 2 indexes, update and delete, then queries"
    row "without ward" ok 600 plain -- sh "$W/sqlite.sh" "$W/db" "$W/work.sql"
    row "ward --leaks=0" ok 600 --leaks=0 -- sh "$W/sqlite.sh" "$W/db" "$W/work.sql"
    row "ward" ok 600 -- sh "$W/sqlite.sh" "$W/db" "$W/work.sql"
    row "ward --leaks=0 --guard=all" ok 600 --leaks=0 --guard=all -- sh "$W/sqlite.sh" "$W/db" "$W/work.sql"
    row "ward --leaks=0 --trace" ok 600 --leaks=0 --trace="$W/sqlite.%p.wtr" -- sh "$W/sqlite.sh" "$W/db" "$W/work.sql"
}

scenario_python() {
    sed -n "/^import queue/,/^print/p" "$ROOT/tests/real/python_threads.sh" > "$W/work.py"
    header "python3: 8 threads, 200 tasks from a queue (PYTHONMALLOC=malloc)"
    export PYTHONMALLOC=malloc
    row "without ward" "" 600 plain -- python3 "$W/work.py"
    row "ward --leaks=0" "" 600 --leaks=0 -- python3 "$W/work.py"
    row "ward" "" 600 -- python3 "$W/work.py"
    row "ward --leaks=0 --guard=all" "" 600 --leaks=0 --guard=all -- python3 "$W/work.py"
    unset PYTHONMALLOC
    header "python3: the same with pymalloc (the default)"
    row "without ward" "" 600 plain -- python3 "$W/work.py"
    row "ward" "" 600 -- python3 "$W/work.py"
}

scenario_fibers() {
    [ -e /usr/include/boost/context/fiber.hpp ] || { echo "fibers: libboost-context-dev is not installed"; return; }
    c++ -O2 -g -w -o "$W/boost_fiber" "$ROOT/tests/progs/boost_fiber.cpp" -lboost_context || exit 1
    # More heap stacks alive than ward's stack-block table once held (2^17):
    # each switch then walked every coroutine.
    header "boost.context: 200,000 fibers alive at once on 16 KiB malloc'd stacks, 4 rounds of switches"
    row "without ward" "many 30300000" 600 plain -- "$W/boost_fiber" many 200000
    row "ward" "many 30300000" 600 -- "$W/boost_fiber" many 200000
}

echo "ward reliability runs: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $RUNS runs each"
echo "ward: $WARD, built from $ROOT ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no git"))"
for s in "$@"; do
    SCENARIO=$s
    case $s in
    threads16) stress threads16 10 -- default guard=all trace=threads16.%p.wtr ;;
    fork_threads) stress fork_threads 300 -- default leaks=0 ;;
    exec_child) stress exec_child 200 -- default guard=all ;;
    exit_threads) stress exit_threads 100 -- default leaks=0 ;;
    signals) stress signals 10 -- default guard=all ;;
    dlopen) stress dlopen "$W/libdlstress.so" 5000 -- default guard=all trace=dlopen.%p.wtr ;;
    big_total) stress big_total 10 -- default trace=big_total.%p.wtr ;;
    redis) scenario_redis ;;
    sqlite) scenario_sqlite ;;
    python) scenario_python ;;
    fibers) scenario_fibers ;;
    *) echo "unknown scenario '$s' (one of: $ALL)" >&2; exit 2 ;;
    esac
done
