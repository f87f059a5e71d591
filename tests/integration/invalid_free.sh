#!/bin/bash
# free() of a stack address, an interior pointer, a global and a wild
# pointer: each reported as invalid-free saying what the address is, and
# not passed on, so the program survives.
. "$(dirname "$0")/../lib.sh"
build invalid_free
ward_run -- "$TMP/invalid_free" stack
expect_rc 23
expect_report invalid-free
expect_frame "ERROR: invalid-free" release
expect_err "is on the stack of thread T0 \(main\)"
expect_out "still alive"

ward_run -- "$TMP/invalid_free" interior
expect_report invalid-free
expect_err "is 8 bytes inside a 32-byte block"
expect_frame "^allocated by thread T0" main
expect_out "still alive"

ward_run -- "$TMP/invalid_free" global
expect_report invalid-free
expect_err "is in the static memory of .*invalid_free"

ward_run -- "$TMP/invalid_free" wild
expect_report invalid-free
expect_err "0x1234 was never returned by an allocation function"

ward_run -- "$TMP/invalid_free" realloc
expect_report invalid-free
expect_err "\(realloc\)"
expect_out "still alive"
pass
