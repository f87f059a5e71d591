#!/bin/bash
# moved-self-reference: realloc moving a block whose words point into it
# is a warning (selfref=warn, the default) naming the offsets, an error
# with selfref=error, nothing with selfref=off.
. "$(dirname "$0")/../lib.sh"
build selfref
ward_run -- "$TMP/selfref"
expect_rc 0
expect_err "^==[0-9]+== ward: WARNING: moved-self-reference on 0x[0-9a-f]+ \(realloc\)"
expect_frame "WARNING: moved-self-reference" grow
expect_frame "^allocated by thread T0" main
expect_err "1 word in it pointed into the block itself and now dangles: offset 8 \(to offset 19\)"
[ "$(grep -c 'moved-self-reference on' "$TMP/err")" -eq 1 ] || fail "the plain buffer was flagged"

# An end pointer (one past the data) dangles as well; a self-pointer in
# the part a shrinking realloc drops does not.
ward_run -- "$TMP/selfref" end
expect_err "WARNING: moved-self-reference"
expect_err "offset 8 \(to offset 64\)"
ward_run -- "$TMP/selfref" shrink
expect_no_report
# Words a freed block left past its poisoned bytes are not the next
# block's: reused slots bring no self-pointers of their predecessors.
ward_run --quarantine=0 -- "$TMP/selfref" stale
expect_rc 0
expect_out "^grew 1000$"
expect_no_report

ward_run --selfref=error -- "$TMP/selfref"
expect_rc 23
expect_report moved-self-reference

ward_run --selfref=off -- "$TMP/selfref"
expect_rc 0
expect_no_report
pass
