#!/bin/bash
# Correct programs: threads trading blocks, realloc chains, every
# allocation function with glibc's errno rules. Nothing is reported and the
# exit status is the program's.
. "$(dirname "$0")/../lib.sh"
build threads_clean
ward_run -- "$TMP/threads_clean"
expect_rc 0
expect_no_report
expect_out "^done$"

build alloc_api
run "$TMP/alloc_api"
expect_rc 0
ward_run -- "$TMP/alloc_api"
expect_rc 0
expect_out "^ok$"
expect_no_report
pass
