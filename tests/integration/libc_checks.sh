#!/bin/bash
# libc's copies (memcpy, memset, strcpy and their kin) are checked at the
# call: an overflow, an underflow or a use after free is reported with the
# caller's stack, reads as well as writes, and once (not again when the
# damage is found at the free); the program then goes on.
. "$(dirname "$0")/../lib.sh"
build libc_access

# Every function, used right, on blocks and across them: nothing to say.
ward_run -- "$TMP/libc_access" clean
expect_rc 0
expect_no_report
expect_out "^shorterand long abcdef end ok 11$"

# The off-by-one: room for the characters, none for the terminator.
ward_run -- "$TMP/libc_access" strcpy
expect_rc 23
expect_report heap-buffer-overflow
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 17 bytes by strcpy\)"
expect_frame "ERROR: heap-buffer-overflow" copy_name
expect_frame "^allocated by thread T0" copy_name
expect_err "is 0 bytes after the end of a 16-byte block"
expect_err "^strcpy writes \[0x[0-9a-f]+, 0x[0-9a-f]+\)$"
line=$(grep -n 'strcpy(p, name);' "$ROOT/tests/progs/libc_access.c" | cut -d: -f1)
expect_err "SUMMARY: heap-buffer-overflow in copy_name .*libc_access.c:$line$"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "the overflow was reported again"
expect_out "^survived strcpy$"

# A read past the end, which redzones never show.
ward_run -- "$TMP/libc_access" memcpy-read
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read of 40 bytes by memcpy\)"
expect_frame "ERROR: heap-buffer-overflow" read_past
expect_err "is 0 bytes after the end of a 24-byte block"
expect_out "^survived memcpy-read$"

ward_run -- "$TMP/libc_access" strcpy-uaf-guarded
expect_rc 23
expect_report use-after-free
expect_frame "ERROR: use-after-free" main
expect_no_err "preload/string.c"

# A read that starts past the end (the arithmetic must not wrap), and one
# that runs off a block of several MiB.
ward_run -- "$TMP/libc_access" read-beyond
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read of 4 bytes by memcpy\)"
expect_err "is 2 bytes after the end of a 24-byte block"
ward_run -- "$TMP/libc_access" huge
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read of 16 bytes by memcpy\)"
expect_err "is 0 bytes after the end of a 6291456-byte block"

# Writes and reads after free, with both stacks; the write is not reported
# a second time when the poison is checked at exit.
ward_run -- "$TMP/libc_access" memset-uaf
expect_rc 23
expect_err "use-after-free on 0x[0-9a-f]+ \(write of 8 bytes by memset\)"
expect_frame "ERROR: use-after-free" clear
expect_err "is 8 bytes inside a 48-byte block .*, already freed"
expect_frame "^freed by thread T0" main
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "the write after free was reported again"

ward_run -- "$TMP/libc_access" memcpy-uaf
expect_rc 23
expect_err "use-after-free on 0x[0-9a-f]+ \(read of 8 bytes by memcpy\)"
expect_err "is 4 bytes inside a 48-byte block"
expect_frame "^freed by thread T0" main

ward_run -- "$TMP/libc_access" underflow
expect_rc 23
expect_err "heap-buffer-underflow on 0x[0-9a-f]+ \(write of 8 bytes by memset\)"
expect_err "is 4 bytes before the start of a 24-byte block"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "the underflow was reported again"

# A coroutine copies from a block freed while it was suspended: the report
# says so, with the yield.
ward_run -- "$TMP/libc_access" coro
expect_rc 23
expect_err "use-after-free on 0x[0-9a-f]+ \(read of 16 bytes by memcpy\) in thread T0 \(main\), coroutine 1"
expect_frame "ERROR: use-after-free" coro_body
expect_err "coroutine 1 was suspended when thread T0 freed the block; it had yielded at:"
expect_frame "it had yielded at:" coro_body
expect_out "^coroutine read"

# A string with no terminator in its block is read past the end by strlen,
# and by strdup (whose copy, inside libc, ward would not see).
ward_run -- "$TMP/libc_access" strlen
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read of [0-9]+ bytes by strlen\)"
expect_err "is 0 bytes after the end of a 8-byte block"
expect_out "^length 8$"
ward_run -- "$TMP/libc_access" strdup
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(read of [0-9]+ bytes by strdup\)"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "the strdup was reported more than once"

# Another bug of a block whose overflow was reported at the call is still
# reported: only the damage the call left is not reported again.
ward_run -- "$TMP/libc_access" two-bugs-under
expect_err "write of 17 bytes by memset"
expect_err "heap-buffer-underflow on 0x[0-9a-f]+ \(found at free\)"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 2 ] || fail "not two reports"
ward_run -- "$TMP/libc_access" two-bugs-uaf
expect_err "write of 17 bytes by memset"
expect_err "use-after-free on 0x[0-9a-f]+ \(found at exit\)"
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 2 ] || fail "not two reports"

# strcat writes after the destination's string; strncpy pads to n.
ward_run -- "$TMP/libc_access" strcat
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 5 bytes by strcat\)"
expect_err "is 0 bytes after the end of a 8-byte block"
ward_run -- "$TMP/libc_access" strncpy
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 12 bytes by strncpy\)"

# A guarded block: reported at the call, before the copy reaches the guard
# page (where it then faults, as the program's own bug).
ward_run -- "$TMP/libc_access" memmove-big
expect_rc 23
head -1 "$TMP/err" | grep -qE "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 100000 bytes by memmove\)" \
    || fail "the call was not reported first"

# Turned off, the overflowing write is found at the free, as before.
ward_run --check_libc=0 -- "$TMP/libc_access" strcpy
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(found at free\)"
expect_no_err "by strcpy"

# halt_on_error stops the program at the call.
ward_run --halt_on_error=1 -- "$TMP/libc_access" strcpy
expect_rc 23
expect_err "write of 17 bytes by strcpy"
grep -q survived "$TMP/out" && fail "went on after the error"

# _FORTIFY_SOURCE: __strcpy_chk, the block's size known to the compiler.
# ward reports, then glibc ends the process as it does without ward.
mv "$TMP/libc_access" "$TMP/libc_access.O0"
build libc_access -O2 -D_FORTIFY_SOURCE=2
# (Through a shell of its own, whose stderr is the run's, so that the
# abort's notice is not the test's.)
run bash -c '"$@"; exit $?' _ "$TMP/libc_access" fortify
plain_rc=$RC
grep -q "buffer overflow detected" "$TMP/err" || fail "glibc's check did not fire without ward"
ward_run -- bash -c '"$@"; exit $?' _ "$TMP/libc_access" fortify
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 16 bytes by strcpy\)"
expect_err "buffer overflow detected"
[ "$RC" -eq "$plain_rc" ] || fail "status $RC under ward, $plain_rc without"
# A guarded block whose size the compiler knew: glibc stops the write, so
# ward reports without ending the process itself.
run bash -c '"$@"; exit $?' _ "$TMP/libc_access" fortify-big
plain_rc=$RC
ward_run -- bash -c '"$@"; exit $?' _ "$TMP/libc_access" fortify-big
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 100001 bytes by memset\)"
expect_err "buffer overflow detected"
[ "$RC" -eq "$plain_rc" ] || fail "status $RC under ward, $plain_rc without"

# A coroutine's last call, a tail call, returns into ward's trampoline: it
# is the program's all the same.
ward_run -- "$TMP/libc_access" coro-tail
expect_rc 23
expect_err "heap-buffer-overflow on 0x[0-9a-f]+ \(write of 24 bytes by memset\) in thread T0 \(main\), coroutine 1"

ward_run -- "$TMP/libc_access" clean
expect_rc 0
expect_no_report

# The report is in the trace too.
ward_run --trace="$TMP/t.wtr" -- "$TMP/libc_access.O0" memcpy-read
expect_rc 23
run "$WARD" report "$TMP/t.wtr"
expect_rc 0
grep -qE "heap-buffer-overflow on 0x[0-9a-f]+ \(read of 40 bytes by memcpy\)" "$TMP/out" \
    || fail "ward report lacks the error"

pass
