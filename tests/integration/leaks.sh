#!/bin/bash
# Leaks are reported like LeakSanitizer: only unreachable blocks, grouped
# by allocation stack, direct before indirect, largest first, with totals.
. "$(dirname "$0")/../lib.sh"
build leaky
ward_run -- "$TMP/leaky"
expect_rc 23
expect_report "leak of 68 bytes in 4 blocks, owner \"main\""
expect_frame "leak of 68 bytes" lose_string
expect_report "leak of 48 bytes in 1 block, owner \"main\""
expect_frame "leak of 48 bytes in 1 block" make_list
expect_err "ERROR: leak of 96 bytes in 2 blocks, owner \"main\" \(indirect: reachable only from other leaks\)"
expect_err "SUMMARY: 212 bytes leaked in 7 blocks \(3 reports\); 600 bytes in 3 blocks still reachable"
[ "$(grep -c 'ERROR: leak' "$TMP/err")" -eq 3 ] || fail "wrong number of leak reports"
expect_err "leaks of owner \"main\": 212 bytes in 7 blocks"
# Direct leaks come first, largest first.
order=$(grep -oE 'leak of [0-9]+' "$TMP/err" | awk '{print $3}' | tr '\n' ' ')
[ "$order" = "68 48 96 " ] || fail "order is $order"

# The same with a program mapping of its own that the kernel may merge
# with ward's heap in /proc/self/maps: the heap is still no root.
ward_run -- "$TMP/leaky" mapped
expect_err "SUMMARY: 212 bytes leaked in 7 blocks \(3 reports\); 600 bytes in 3 blocks still reachable"
# Every one of five lost blocks: none hides in a vector register ward's
# own checks used last.
ward_run -- "$TMP/leaky" five
expect_report "leak of 320 bytes in 5 blocks, owner \"main\""

# A thread's __thread variables die with it (glibc keeps its stack and
# TLS for the next thread): a block only they held is leaked, as Valgrind
# and LeakSanitizer say. The live thread's, and glibc's own blocks of the
# ended thread (its TLS vector), are reachable.
ward_run -- "$TMP/leaky" thread-tls
expect_rc 23
expect_report "leak of 250 bytes in 1 block, owner \"main\""
expect_frame "leak of 250 bytes" keep_in_tls
[ "$(grep -c 'ERROR: leak' "$TMP/err")" -eq 1 ] || fail "other blocks reported leaked"

# After a leak report the exit goes on: exit handlers and destructors of
# libraries started before ward still run (a Fortran program's output is
# written out so), and the status is still exitcode.
cc -g -O0 -shared -fPIC -o "$TMP/libexit_late.so" "$ROOT/tests/progs/exit_late_lib.c" ||
    fail "cannot build the library"
build exit_late -L"$TMP" -lexit_late -Wl,-rpath,"$TMP"
ward_run -- "$TMP/exit_late"
expect_rc 23
expect_report "leak of 42 bytes in 1 block, owner \"main\""
expect_out "^main$"
expect_out "^library exit handler$"
expect_out "^library destructor$"
# A child forked by that destructor is a child like any other (ward's fork
# handlers outlive ward's own finalisation): its own errors, its own trace.
EXIT_LATE_FORK=1 ward_run --trace="$TMP/late.wtr" -- "$TMP/exit_late"
expect_rc 23
child=$(sed -n 's/^child \([0-9]*\) exited .*/\1/p' "$TMP/out")
[ -n "$child" ] || fail "the destructor's child did not run"
expect_no_err "cannot create trace file"
for f in "$TMP/late.wtr" "$TMP/late.wtr.$child"; do
    run "$WARD" report "$f"
    expect_out "events, complete$"
done

ward_run --leaks=0 -- "$TMP/leaky"
expect_rc 0
expect_no_report

# A leak from a plugin unloaded before exit still names the plugin's
# function (the module is remembered at dlclose), loaded by a relative path.
build dl_host -ldl
cc -g -O0 -shared -fPIC -o "$TMP/dl_plugin.so" "$ROOT/tests/progs/dl_plugin.c" || fail "cannot build the plugin"
cd "$TMP"
for how in keep close; do
    ward_run -- ./dl_host ./dl_plugin.so $how
    expect_rc 23
    expect_frame "ERROR: leak of [0-9]+ bytes" plugin_make
done
pass
