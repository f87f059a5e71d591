#!/bin/bash
# Correct programs: threads trading blocks, realloc chains, every
# allocation function with glibc's errno rules. Nothing is reported and the
# exit status is the program's.
. "$(dirname "$0")/../lib.sh"
build threads_clean
build alloc_api
build libc_names
run "$TMP/alloc_api"
expect_rc 0
run "$TMP/libc_names"
expect_out "^ok$"
for mode in --guard=auto --guard=all --guard_below=1 --sample=3; do
    ward_run $mode -- "$TMP/threads_clean"
    expect_rc 0
    expect_no_err "ward: ERROR"
    expect_out "^done$"
    ward_run $mode -- "$TMP/alloc_api"
    expect_rc 0
    expect_out "^ok$"
    expect_no_report
    # __libc_malloc and the rest are ward's too: no block of glibc's freed
    # as ward's, or the reverse.
    ward_run $mode -- "$TMP/libc_names"
    expect_rc 0
    expect_out "^ok$"
    expect_no_report
done
# mallinfo2 counts the blocks of other threads, not yet flushed.
ward_run -- "$TMP/alloc_api" threads
expect_rc 0
expect_out "^ok$"
# malloc_stats prints ward's heap in glibc's format.
ward_run -- "$TMP/alloc_api" stats
expect_rc 0
expect_err "^in use bytes     = +[0-9]+$"
pass
