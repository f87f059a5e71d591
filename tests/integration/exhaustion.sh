#!/bin/bash
# Out of resources: when ward's own memory runs out, or the trace's disk
# fills, ward says so once and degrades (stops checking, stops tracing);
# the program runs to the end as without ward.
. "$(dirname "$0")/../lib.sh"
build many_live
run "$TMP/many_live"
expect_rc 0
cp "$TMP/out" "$TMP/plain.out"

# ward's metadata: a fault-injection hook caps its internal memory.
WARD_TEST_IMEM_LIMIT=40000000 ward_run -- "$TMP/many_live"
expect_rc 0
cmp -s "$TMP/out" "$TMP/plain.out" || fail "different output"
[ "$(grep -c "ward's own memory is exhausted" "$TMP/err")" -eq 1 ] || fail "no single warning"
expect_no_err "ward: ERROR"

# Coroutines' records (kept while a coroutine of their chunk lives): when
# there is no room for more, one warning, and the rest go unfollowed.
build coro_churn
WARD_TEST_IMEM_LIMIT=25000000 ward_run -- "$TMP/coro_churn" made 60000
expect_rc 0
expect_out "^made 60000$"
[ "$(grep -c "no memory left for ward's records of coroutines" "$TMP/err")" -eq 1 ] ||
    fail "no single warning about coroutines"
expect_no_err "ward: ERROR"

# Threads' records likewise.
build thread_churn
WARD_TEST_IMEM_LIMIT=20000000 ward_run -- "$TMP/thread_churn" alive 4000
expect_rc 0
expect_out "^alive 4000$"
[ "$(grep -c "no memory left for ward's records of threads" "$TMP/err")" -eq 1 ] ||
    fail "no single warning about threads"
expect_no_err "ward: ERROR"

# The trace's disk: a file size limit (SIGXFSZ ignored, as a full disk
# gives ENOSPC without a signal).
cd "$TMP"
run bash -c 'trap "" XFSZ; ulimit -f 64; exec "$0" run --trace=t.wtr --leaks=0 -- "$1"' \
    "$WARD" "$TMP/many_live"
expect_rc 0
cmp -s "$TMP/out" "$TMP/plain.out" || fail "different output with a full disk"
[ "$(grep -c "cannot write the trace" "$TMP/err")" -eq 1 ] || fail "no single trace warning"
run "$WARD" report t.wtr
expect_rc 0
expect_out "TRUNCATED"
pass
