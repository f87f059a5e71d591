#!/bin/bash
# A double free is reported with the second free's stack, the allocation
# stack and the first free's stack; the program goes on and exits 23.
. "$(dirname "$0")/../lib.sh"
build double_free
ward_run -- "$TMP/double_free"
expect_rc 23
expect_report double-free
expect_frame "ERROR: double-free" main
expect_frame "^allocated by thread T0 \(main\) at:" make_name
expect_frame "^freed by thread T0 \(main\) at:" drop_name
expect_err "is the start of a 24-byte block"
expect_err "SUMMARY: double-free in main .*double_free.c:[0-9]+"
expect_out "after the double free"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "more than one report"

# halt_on_error stops at once, with the error exit code.
ward_run --halt_on_error=1 -- "$TMP/double_free"
expect_rc 23
expect_report double-free
! grep -q "after the double free" "$TMP/out" || fail "ran on after the error"

# exitcode chooses the status.
ward_run --exitcode=7 -- "$TMP/double_free"
expect_rc 7
pass
