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

# The program's handler runs with the mask the kernel would give it: with
# SA_NODEFER, a handler that longjmps out leaves SIGSEGV unblocked.
ward_run -- "$TMP/segv_handler" nodefer
expect_rc 0
expect_out "^caught 2$"
# SIGSEGV ignored, then sent: ignored.
ward_run -- "$TMP/segv_handler" ignored
expect_rc 0
expect_out "^survived$"
# signal() on other signals is glibc's: siginterrupt still holds.
run timeout 10 "$WARD" run -- "$TMP/segv_handler" interrupt
expect_rc 0
expect_out "^read -1, interrupted$"

# While tracing, ward's handlers on fatal signals read back as the default:
# Python installs its SIGINT handler only over the default.
if command -v python3 > /dev/null; then
    run timeout 20 "$WARD" run --trace="$TMP/py.%p.wtr" -- python3 -c '
import os, signal, time
try:
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(2)
except KeyboardInterrupt:
    print("KeyboardInterrupt")'
    expect_rc 0
    expect_out "^KeyboardInterrupt$"
fi
pass
