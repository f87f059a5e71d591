#!/bin/bash
# Default mode: damaged redzones and poison are found after the fact (at
# free, realloc, reuse or exit) and reported with the allocation stack,
# the stack where the damage was found, the offset and the bytes.
. "$(dirname "$0")/../lib.sh"
build bad_access

ward_run -- "$TMP/bad_access" overflow
expect_rc 23
expect_report heap-buffer-overflow
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(found at free\)"
expect_frame "ERROR: heap-buffer-overflow" main
expect_frame "^allocated by thread T0" make
expect_err "is 0 bytes after the end of a 24-byte block"
expect_err "2 bytes past the end of the block were overwritten, from offset 24: 58 59"
expect_no_err "^freed by"
expect_out "survived overflow"

# Bytes left as they were inside the damaged run: the run is shown whole.
ward_run -- "$TMP/bad_access" overflow-gap
expect_report heap-buffer-overflow
expect_err "2 bytes past the end of the block were overwritten, from offset 24 to 27: 58 fa fa 59"

# A block of __libc_malloc's is checked as malloc's are.
build libc_names
ward_run -- "$TMP/libc_names" overflow
expect_report heap-buffer-overflow
expect_frame "^allocated by thread T0" make_libc
expect_err "1 byte past the end of the block was overwritten, at offset 24: 58"

ward_run -- "$TMP/bad_access" underflow
expect_report heap-buffer-underflow
expect_err "is 2 bytes before the start of a 24-byte block"
expect_err "1 byte before the start of the block was overwritten, at offset -2: 55"

ward_run -- "$TMP/bad_access" overflow-realloc
expect_report heap-buffer-overflow
expect_err "\(found at realloc\)"

ward_run -- "$TMP/bad_access" overflow-exit
expect_rc 23
expect_report heap-buffer-overflow
expect_err "\(found at exit\)"
expect_frame "^allocated by thread T0" make

# A write after free: the poison shows it at exit...
ward_run -- "$TMP/bad_access" uaf-write
expect_rc 23
expect_report use-after-free
expect_err "\(found at exit\)"
expect_err "1 byte was written after the block was freed, at offset 8: 57"
expect_frame "^allocated by thread T0" make
expect_frame "^freed by thread T0" main

# ... or when the memory is reused, with the stack that reused it.
ward_run --quarantine=0 -- "$TMP/bad_access" uaf-write-reuse
expect_rc 23
expect_report use-after-free
expect_err "\(write found when the memory was reused\)"
expect_frame "ERROR: use-after-free" make
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "reported more than once"

# Every size class and alignment keeps its redzones: an overflow of one
# byte is caught whatever the size.
for n in 1 15 16 17 100 4000 70000; do
    ward_run -- "$TMP/bad_access" overflow $n
    expect_report heap-buffer-overflow
    expect_err "is 0 bytes after the end of a $n-byte block"
done

# Page-aligned blocks, most of whose slot's start is slack: the bytes
# just below the block are still redzone.
for n in 24 4096 20000; do
    ward_run -- "$TMP/bad_access" aligned-underflow $n
    expect_report heap-buffer-underflow
    expect_err "is 2 bytes before the start of a $n-byte block"
done

# A large block not guarded (below a raised guard_min) keeps a left
# redzone: an underflow of one byte is found at free.
ward_run --guard_min=1M -- "$TMP/bad_access" underflow 307200
expect_report heap-buffer-underflow
expect_err "is 2 bytes before the start of a 307200-byte block"

# An underflow with a live block in the slot below is still the upper
# block's, at free and at exit, in classes whose slack is only partly
# filled; an overflow of the lower block into the upper one's redzone is
# the lower block's.
for n in 24 481 1500; do
    ward_run -- "$TMP/bad_access" underflow-neighbour $n
    [ "$RC" -eq 77 ] && continue
    expect_report heap-buffer-underflow
    expect_err "is 2 bytes before the start of a $n-byte block"
    expect_err "1 byte before the start of the block was overwritten, at offset -2: 55"
    ward_run -- "$TMP/bad_access" underflow-neighbour-exit $n
    expect_report heap-buffer-underflow
    expect_err "\(found at exit\)"
    expect_err "is 2 bytes before the start of a $n-byte block"
    ward_run -- "$TMP/bad_access" overflow-neighbour $n
    expect_report heap-buffer-overflow
    expect_err "is 0 bytes after the end of a $n-byte block"
    [ "$(grep -c 'ERROR: heap-buffer' "$TMP/err")" -eq 1 ] || fail "not reported once"
    ward_run -- "$TMP/bad_access" overflow-neighbour-lower-first $n
    expect_report heap-buffer-overflow
    expect_err "is 0 bytes after the end of a $n-byte block"
    [ "$(grep -c 'ERROR: heap-buffer' "$TMP/err")" -eq 1 ] ||
        fail "the lower block's overflow reported again as the upper one's underflow"
    ward_run -- "$TMP/bad_access" overflow-and-underflow $n
    expect_err "heap-buffer-overflow on"
    expect_err "heap-buffer-underflow on"
    expect_err "is 1 bytes before the start of a $n-byte block"
done
pass
