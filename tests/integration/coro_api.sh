#!/bin/bash
# A hand-written switcher tells ward about its coroutine through ward.h;
# without ward the same program runs and the calls do nothing.
. "$(dirname "$0")/../lib.sh"
build coro_manual
run "$TMP/coro_manual"
expect_rc 0
expect_out "registered no"
expect_out "done"

ward_run -- "$TMP/coro_manual"
expect_rc 0
expect_no_report
expect_out "registered yes"

ward_run --guard=all -- "$TMP/coro_manual" uaf
expect_rc 23
expect_report use-after-free
expect_err "in thread T0 \(main\), coroutine 1 \(reader\)"
expect_err "coroutine 1 \(reader\) was suspended when thread T0 freed the block; it had yielded at:"
expect_frame "was suspended when" yield_to_main

ward_run -- "$TMP/coro_manual" overflow
expect_rc 23
expect_report stack-overflow
expect_frame "ERROR: stack-overflow" deep
expect_err "coroutine 1 \(reader\) ran off its 65536-byte stack"
pass
