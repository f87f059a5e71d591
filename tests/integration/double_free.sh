#!/bin/bash
# A double free is reported with the second free's stack, the allocation
# stack and the first free's stack; the program goes on and exits 23.
. "$(dirname "$0")/../lib.sh"
build double_free
ward_run -- "$TMP/double_free"
expect_rc 23
expect_report double-free
expect_frame "ERROR: double-free" twice
expect_frame "^allocated by thread T0 \(main\) at:" make_name
expect_frame "^freed by thread T0 \(main\) at:" drop_name
expect_err "is the start of a 24-byte block"
expect_err "SUMMARY: double-free in twice .*double_free.c:[0-9]+"
expect_out "after the double free"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "more than one report"

# Both frees by the same call: the first is still told apart.
ward_run -- "$TMP/double_free" same-site
expect_report double-free
expect_err "is the start of a 24-byte block .*already freed"
expect_frame "^freed by thread T0 \(main\) at:" drop_name

# In a thread with a 16 KiB stack: the report is written on ward's own.
ward_run -- "$TMP/double_free" small-stack
expect_rc 23
expect_report double-free
expect_frame "^freed by thread T1 at:" drop_name
expect_no_err "internal error"
expect_out "after the double free"

# halt_on_error stops at once, with the error exit code.
ward_run --halt_on_error=1 -- "$TMP/double_free"
expect_rc 23
expect_report double-free
! grep -q "after the double free" "$TMP/out" || fail "ran on after the error"

# However the program exits, errors make the status exitcode.
ward_run -- "$TMP/double_free" quick-exit
expect_rc 23
expect_out "after the double free"

# exitcode chooses the status.
ward_run --exitcode=7 -- "$TMP/double_free"
expect_rc 7
pass
