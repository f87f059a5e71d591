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
# A handler that allocates: the stack goes through the signal frame to the
# faulting function, named at the faulting line (built with -O2 it is the
# function's first instruction: the line before would be another
# function's), and without ward's own handler frames.
cc -g -O2 -w -o "$TMP/segv_handler_o2" "$ROOT/tests/progs/segv_handler.c" || fail "cannot build"
ward_run -- "$TMP/segv_handler_o2" alloc-in-handler
expect_report "leak of 17 bytes"
line=$(grep -n "the faulting line" "$ROOT/tests/progs/segv_handler.c" | cut -d: -f1)
expect_frame "leak of 17 bytes" allocate_and_jump
grep -qE "in fault_here[.a-z0-9]* .*segv_handler.c:$line$" "$TMP/err" || fail "the faulting frame is not at line $line"
expect_no_err "in (chain|on_segv) "
# Handlers set the older ways (sigset, sysv_signal) are the program's too:
# read back, and called for a fault that is not ward's.
for how in sigset sysv_signal; do
    ward_run -- "$TMP/segv_handler" $how
    expect_rc 3
    expect_out "^plain handler called$"
    expect_no_report
done
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
