#!/bin/bash
# A program linked with -lward (through pkg-config) is checked with no
# wrapper; the same program run plainly is not.
. "$(dirname "$0")/../lib.sh"
export PKG_CONFIG_PATH=$BUILD/lib/pkgconfig
flags=$(pkg-config --cflags --libs ward) || fail "pkg-config does not know ward"
build double_free $flags
readelf -d "$TMP/double_free" | grep -q 'NEEDED.*libward.so' || fail "not linked with libward"
run "$TMP/double_free"
expect_rc 23
expect_report double-free
expect_frame "^freed by thread T0" drop_name
expect_out "after the double free"

build leaky $flags
run "$TMP/leaky"
expect_rc 23
expect_report "leak of 68 bytes in 4 blocks, owner \"main\""
WARD_OPTIONS=leaks=0 run "$TMP/leaky"
expect_rc 0
expect_no_report
pass
