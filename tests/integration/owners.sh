#!/bin/bash
# Owners: ward_owner_push/pop/set/of take effect under ward run and in link
# mode, do nothing without ward; leaks are grouped by owner, transfers are
# reflected, thread names are default owners, stats=1 prints the table.
. "$(dirname "$0")/../lib.sh"
build owners

# Without ward: the program links with no extra flag and the calls do nothing.
readelf -d "$TMP/owners" | grep -q libward && fail "linked with libward"
run "$TMP/owners"
expect_rc 0
expect_out "^s1 \(null\)$"
expect_out "^set -1$"
expect_no_report

ward_run -- "$TMP/owners"
expect_rc 23
expect_out "^s1 session$"
expect_out "^c1 cache$"
expect_out "^c1\+3 cache$"
expect_out "^plain main$"
expect_out "^stack \(null\)$"
expect_out "^set 0$"
expect_out "^c2 session$"
expect_out "^set-bad -1$"
expect_out "^worker worker$"
# Leaks grouped by owner, the largest owner first; the transfer counts.
expect_err "leaks of owner \"session\": 213 bytes in 2 blocks"
expect_err "leaks of owner \"worker\": 33 bytes in 1 block"
expect_report "leak of 200 bytes in 1 block, owner \"session\""
expect_report "leak of 13 bytes in 1 block, owner \"session\""
expect_report "leak of 33 bytes in 1 block, owner \"worker\""
expect_frame "leak of 13 bytes" cache_entry
first=$(grep -m1 -oE 'leaks of owner "[a-z]+"' "$TMP/err")
[ "$first" = 'leaks of owner "session"' ] || fail "largest owner not first: $first"

# Every error names the owner of the block.
ward_run --leaks=0 -- "$TMP/owners" double-free
expect_report double-free
expect_err "24-byte block|12-byte block"
expect_err "owner \"cache\""

# stats=1: live, peak and total allocations per owner.
ward_run --leaks=0 --stats=1 -- "$TMP/owners"
expect_err "owners at exit:"
expect_err "^  session +313 +3 +313 +2$"
expect_err "^  cache +12 +1 +25 +2$"
expect_err "^  worker +110 +2 +110 +2$"
expect_err "^  handed +7 +1 +7 +0$"

ward_run --leaks=0 --stats=1 -- "$TMP/owners" realloc
expect_out "^owner a$"
expect_err "^  a +0 +0 +5000 +2$"
expect_no_err "^  b "

# Link mode: the same program linked with -lward through pkg-config.
export PKG_CONFIG_PATH=$BUILD/lib/pkgconfig
build owners $(pkg-config --cflags --libs ward)
run "$TMP/owners"
expect_rc 23
expect_out "^c1 cache$"
expect_err "leaks of owner \"session\""
pass
