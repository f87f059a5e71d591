#!/bin/bash
# A million live blocks under guard=all. With a mapping per guarded block
# ward guards as many as the kernel's map limit allows, says so once, and
# the program runs to the end; with guard markers (Linux 6.13 and later)
# there is no such limit and the millionth block is guarded too.
. "$(dirname "$0")/../lib.sh"
build many_blocks
run "$TMP/many_blocks"
expect_rc 0
cp "$TMP/out" "$TMP/plain.out"

ward_run --guard=all --guard_markers=0 -- "$TMP/many_blocks"
expect_rc 0
cmp -s "$TMP/out" "$TMP/plain.out" || fail "different output"
expect_no_err "ward: ERROR"
[ "$(grep -c 'vm.max_map_count' "$TMP/err")" -eq 1 ] || fail "expected one map-limit warning"

ward_run --guard=all -- "$TMP/many_blocks"
expect_rc 0
cmp -s "$TMP/out" "$TMP/plain.out" || fail "different output with the default"
expect_no_err "ward: ERROR"
[ "$(grep -c 'WARNING' "$TMP/err")" -le 1 ] || fail "more than one warning"

# Guard markers came with Linux 6.13 (where the kernel has none, ward
# falls back to mappings and warns as above). With 16 GiB of memory or
# more, the million blocks' pages fit within the quarter ward allows them.
build has_markers
run "$TMP/has_markers"
markers=$RC
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
if [ "$markers" -eq 0 ]; then
    expect_no_err "max_map_count"
    if [ "$mem_kib" -ge $((16 << 20)) ]; then
        expect_no_err "WARNING"
        ward_run --guard=all -- "$TMP/many_blocks" overflow
        expect_rc 23
        expect_report heap-buffer-overflow
        expect_frame "ERROR: heap-buffer-overflow" main
    fi
fi
pass
