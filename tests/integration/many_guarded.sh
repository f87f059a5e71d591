#!/bin/bash
# A million live blocks under guard=all: ward guards as many as the
# kernel's map limit allows, says so once, and the program runs to the end.
. "$(dirname "$0")/../lib.sh"
build many_blocks
run "$TMP/many_blocks"
expect_rc 0
cp "$TMP/out" "$TMP/plain.out"
ward_run --guard=all -- "$TMP/many_blocks"
expect_rc 0
cmp -s "$TMP/out" "$TMP/plain.out" || fail "different output"
expect_no_err "ward: ERROR"
[ "$(grep -c 'vm.max_map_count' "$TMP/err")" -eq 1 ] || fail "expected one map-limit warning"
pass
