#!/bin/bash
# redis-server (Debian's: jemalloc underneath, whose malloc ward replaces)
# under real traffic on a loopback port, without persistence. First run,
# ward --leaks=0: redis-benchmark sends 1M requests (SET, GET, INCR, LPUSH,
# LPOP, 200k each, 50 clients, pipelined by 16, 100k random keys) plus 4k
# SET/GET of 70 KB values (ward guards those), then FLUSHALL ASYNC frees the
# whole dataset in redis's lazy-free thread. Second run, ward --leaks=0
# --trace with two I/O threads (query buffers made in one thread, freed in
# another): 100k requests, then ward report must read the trace whole.
# Each time: every request succeeded (redis-benchmark's summary, and INFO's
# per-command calls with no failed or rejected call and no error reply),
# PING answers, SHUTDOWN NOSAVE ends the server with status 0, and ward
# reported no error. Needs the Debian packages redis-server and redis-tools.
. "$(dirname "$0")/../lib.sh"
for tool in redis-server redis-benchmark redis-cli; do
    command -v $tool >/dev/null || fail "$tool is not installed (Debian: redis-server redis-tools)"
done
server=
trap '[ -n "$server" ] && kill -9 "$server" 2>/dev/null; rm -rf "$TMP"' EXIT

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cli() { timeout 30 redis-cli -h 127.0.0.1 -p "$port" "$@" | tr -d '\r'; }

# start NAME [ward options...] -- [redis options...]
start() {
    local name=$1 opts=()
    shift
    while [ "$1" != -- ]; do opts+=("$1"); shift; done
    shift
    port=$(free_port)
    "$WARD" run "${opts[@]}" -- redis-server --port "$port" --bind 127.0.0.1 --save "" \
        --appendonly no --daemonize no --dir "$TMP" "$@" \
        > "$TMP/$name.out" 2> "$TMP/$name.err" &
    server=$!
    for _ in $(seq 300); do
        [ "$(cli ping 2>/dev/null)" = PONG ] && return
        kill -0 "$server" 2>/dev/null || { cp "$TMP/$name.err" "$TMP/err"; fail "$name: redis-server died at start"; }
        sleep 0.1
    done
    cp "$TMP/$name.err" "$TMP/err"
    fail "$name: redis-server does not answer on port $port"
}

# bench N ARGS...: redis-benchmark of N requests per test; checks that each
# test completed and counts what INFO must show.
declare -A expect
bench() {
    local n=$1 t rc
    shift
    timeout 300 redis-benchmark -h 127.0.0.1 -p "$port" -n "$n" -c 50 -q "$@" \
        > "$TMP/bench.raw" 2> "$TMP/bench.err"
    rc=$?
    [ "$rc" -eq 0 ] || { cat "$TMP/bench.err" >&2; fail "redis-benchmark $* failed (status $rc)"; }
    tr '\r' '\n' < "$TMP/bench.raw" | grep 'requests per second' > "$TMP/bench.out"
    cat "$TMP/bench.out"
    ! grep -qi error "$TMP/bench.raw" "$TMP/bench.err" || fail "redis-benchmark saw errors"
    for t in $(echo "$@" | sed -n 's/.*-t \([a-z,]*\).*/\1/p' | tr ',' ' '); do
        grep -q "^${t^^}: [0-9.]* requests per second" "$TMP/bench.out" ||
            fail "redis-benchmark gives no result for ${t^^}"
        expect[$t]=$(( ${expect[$t]:-0} + n ))
    done
}

# check_info: every request counted, none failed.
check_info() {
    local t line
    [ "$(cli ping)" = PONG ] || fail "no PONG after the benchmark"
    cli info commandstats > "$TMP/cmdstats"
    cli info stats > "$TMP/stats"
    for t in "${!expect[@]}"; do
        line=$(grep "^cmdstat_$t:" "$TMP/cmdstats") || fail "INFO has no calls of $t"
        [[ $line == *"calls=${expect[$t]},"* ]] || fail "$t: expected ${expect[$t]} calls: $line"
        [[ $line == *"rejected_calls=0,failed_calls=0"* ]] || fail "$t: failed calls: $line"
    done
    grep -qx "total_error_replies:0" "$TMP/stats" || fail "error replies: $(grep error "$TMP/stats")"
    grep -qx "rejected_connections:0" "$TMP/stats" || fail "connections were rejected"
}

# stop NAME: SHUTDOWN NOSAVE; the server exits 0 and ward reported nothing.
stop() {
    local name=$1 rc
    cli shutdown nosave > /dev/null
    for _ in $(seq 300); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$server" 2>/dev/null && fail "$name: redis-server still runs 30 s after SHUTDOWN"
    wait "$server"
    rc=$?
    server=
    cp "$TMP/$name.err" "$TMP/err"
    [ "$rc" -eq 0 ] || fail "$name: redis-server exited with status $rc"
    ! grep -q "ward: ERROR" "$TMP/$name.err" || fail "$name: ward reported an error"
    grep -q "ready to exit" "$TMP/$name.out" || fail "$name: no clean shutdown in redis's log"
}

echo "== ward --leaks=0"
start default --leaks=0 --
bench 200000 -P 16 -r 100000 -t set,get,incr,lpush,lpop
bench 2000 -d 70000 -r 1000 -t set,get
check_info
keys=$(cli dbsize)
[ "$keys" -gt 1000 ] || fail "only $keys keys after the benchmark"
# The dataset goes to redis's lazy-free thread.
[ "$(cli flushall async)" = OK ] || fail "FLUSHALL ASYNC failed"
for _ in $(seq 300); do
    cli info memory | grep -qx "lazyfree_pending_objects:0" && break
    sleep 0.1
done
[ "$(cli dbsize)" = 0 ] || fail "keys left after FLUSHALL"
echo "   $keys keys freed by FLUSHALL ASYNC"
stop default

echo "== ward --leaks=0 --trace, 2 I/O threads"
expect=()
start traced --leaks=0 --trace="$TMP/redis.wtr" -- --io-threads 2 --io-threads-do-reads yes
bench 20000 -P 16 -r 100000 -t set,get,incr,lpush,lpop
check_info
threaded=$(sed -n 's/^io_threaded_reads_processed://p' "$TMP/stats")
[ "${threaded:-0}" -gt 0 ] || fail "the I/O threads did no read"
echo "   $threaded reads done by I/O threads"
stop traced
run "$WARD" report "$TMP/redis.wtr"
expect_rc 0
expect_out "^program: +redis-server "
expect_out "^duration: .*, complete$"
expect_out "^errors: 0$"
allocs=$(sed -n 's/^allocated: *\([0-9]*\) blocks.*/\1/p' "$TMP/out")
[ "${allocs:-0}" -gt 100000 ] || fail "the trace has only ${allocs:-no} allocations"
echo "   trace: $(stat -c %s "$TMP/redis.wtr") bytes, $allocs allocations"
pass
