#!/bin/bash
# Faults that are not ward's reach the program's own SIGSEGV handler, or
# the default action, unchanged; the program reads back the handlers it
# set.
. "$(dirname "$0")/../lib.sh"
build segv_handler
ward_run -- "$TMP/segv_handler" handler
expect_rc 3
expect_out "caught SIGSEGV at 0x10"
expect_no_report

ward_run --guard=all -- "$TMP/segv_handler" default
expect_rc 139                       # killed by SIGSEGV, as without ward
expect_no_report
pass
