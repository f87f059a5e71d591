#!/bin/bash
# Guard mode: an access past the end, before the start or after free of a
# guarded block faults at once and is reported with the stack of the
# faulting instruction, the allocation stack and the free stack; the
# process exits with exitcode.
. "$(dirname "$0")/../lib.sh"
build bad_access

ward_run --guard=all -- "$TMP/bad_access" read-overflow 32
expect_rc 23
expect_report heap-buffer-overflow
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read\)"
expect_frame "ERROR: heap-buffer-overflow" read_past_end
expect_frame "^allocated by thread T0" make
expect_err "is 3 bytes after the end of a 32-byte block"
! grep -q survived "$TMP/out" || fail "the program went on after the fault"

ward_run --guard=all -- "$TMP/bad_access" read-overflow-after-churn 96
expect_rc 23
expect_report heap-buffer-overflow
expect_no_err "max_map_count"

# malloc keeps glibc's 16-byte alignment, so a 24-byte block ends 8 bytes
# before its guard page: a read there passes, a write is seen at free.
ward_run --guard=all -- "$TMP/bad_access" read-overflow 24
expect_rc 0
ward_run --guard=all -- "$TMP/bad_access" overflow 24
expect_rc 23
expect_report heap-buffer-overflow
expect_err "found at free"

ward_run --guard=all -- "$TMP/bad_access" read-after-free
expect_rc 23
expect_report use-after-free
expect_err "\(read\)"
expect_frame "ERROR: use-after-free" read_after_free
expect_frame "^freed by thread T0" main
expect_err "is 8 bytes inside a 24-byte block .*already freed"

# A block freed while its memory is locked (mlock, as libsodium leaves
# secrets): with a mapping per block the access after free faults; guard
# markers are refused in locked memory, and ward says so once instead.
ward_run --guard=all -- "$TMP/bad_access" read-after-free-locked
if [ "$RC" -ne 77 ]; then
    if [[ "${WARD_TEST_OPTIONS:-}" == *guard_markers=0* ]] || ! grep -q refused "$TMP/err"; then
        expect_rc 23
        expect_report use-after-free
        expect_frame "ERROR: use-after-free" read_after_free
    else
        expect_rc 0
        expect_no_err "ward: ERROR"
        [ "$(grep -c 'WARNING: the kernel refused' "$TMP/err")" -eq 1 ] ||
            fail "expected one warning about locked memory"
    fi
fi

# The kernel keeps locked pages' bytes when ward retires them: calloc must
# still hand out zeros (guarded large blocks by default, every block under
# guard=all).
for args in "-- $TMP/bad_access calloc-after-locked 100000" \
            "--guard=all -- $TMP/bad_access calloc-after-locked 200"; do
    ward_run $args
    [ "$RC" -eq 77 ] && continue
    expect_rc 0
    expect_out "calloc blocks not zero: 0"
done

ward_run --guard=all -- "$TMP/bad_access" write-after-free
expect_report use-after-free
expect_err "\(write\)"
expect_frame "ERROR: use-after-free" write_after_free

ward_run --guard=all --guard_below=1 -- "$TMP/bad_access" read-underflow
expect_rc 23
expect_report heap-buffer-underflow
expect_frame "ERROR: heap-buffer-underflow" read_before_start
expect_err "is 1 bytes before the start of a 24-byte block"
# With the guard below, the page after the block is its slack: a write
# there, far past the first bytes, is found at free.
ward_run --guard=all --guard_below=1 -- "$TMP/bad_access" overflow-far
expect_rc 23
expect_report heap-buffer-overflow
expect_err "\(found at free\)"
expect_err "is 76 bytes after the end of a 24-byte block"

# guard=auto: large blocks are always guarded...
ward_run -- "$TMP/bad_access" read-overflow 100000
expect_rc 23
expect_report heap-buffer-overflow
expect_frame "ERROR: heap-buffer-overflow" read_past_end
# ... small ones only when sampled (sample=1: every one).
ward_run -- "$TMP/bad_access" read-overflow 32
expect_rc 0
expect_no_report
ward_run --sample=1 -- "$TMP/bad_access" read-overflow 32
expect_rc 23
expect_report heap-buffer-overflow
pass
