#!/bin/bash
# Pinned blocks: realloc in place works, a move is refused and reported as
# pinned-move (with the realloc and ward_pin stacks), the block staying
# valid; ward_malloc_pinned blocks sit between guard pages in every mode.
. "$(dirname "$0")/../lib.sh"
build pinning

run "$TMP/pinning" move                 # without ward: nothing pinned
expect_rc 0
expect_out "^pin -1$"

ward_run -- "$TMP/pinning"
expect_rc 0
expect_no_report
expect_out "^pin 0$"
expect_out "^in place 1$"
expect_out "^unpin 0$"
expect_out "^pin-bad -1$"
expect_out "^pinned block known$"

ward_run -- "$TMP/pinning" move
expect_rc 23
expect_report pinned-move
expect_err "pinned-move on 0x[0-9a-f]+ \(realloc\)"
expect_frame "ERROR: pinned-move" main
expect_frame "^pinned at:" pin_it
expect_err "cannot grow from 56 to 100000 bytes where it is; realloc returned NULL"
expect_err "owner \"main\", pinned"
expect_out "^moved \(nil\) errno 12 still llo$"

for mode in "" --guard=all; do
    ward_run $mode -- "$TMP/pinning" overflow
    expect_rc 23
    expect_report heap-buffer-overflow
    expect_err "\(write\)"
    expect_frame "ERROR: heap-buffer-overflow" run_off_end
    expect_err "0 bytes after the end of a 128-byte block"

    ward_run $mode -- "$TMP/pinning" underflow
    expect_rc 23
    expect_report heap-buffer-underflow
    expect_frame "ERROR: heap-buffer-underflow" run_off_start
done
pass
