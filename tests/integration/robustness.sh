#!/bin/bash
# What a correct program does must keep working under ward: thread churn
# without memory growth, errno untouched by free and by successful
# allocations, fork from a signal handler that interrupted malloc, huge and
# hugely aligned blocks, and more large blocks than the kernel's mapping
# limit could guard; and threads still inside malloc or free when the
# process forks or exits, or still starting when it exits (several times
# over, the windows are short); and a block only a thread held when the
# process forked, not leaked in the child. And mlockall at start, which
# must not fault in ward's untouched reservations.
. "$(dirname "$0")/../lib.sh"
build robust
for what in threads-churn errno fork-in-handler huge-realloc many-large \
            exit-while-busy exit-while-busy exit-while-busy fork-while-held \
            $(printf 'exit-while-starting %.0s' $(seq 10)); do
    run "$TMP/robust" $what
    [ "$RC" -eq 0 ] || fail "$what fails even without ward"
    opts=leaks=0
    case $what in exit-while-*|fork-while-*) opts=leaks=1 ;; esac   # no false leak either
    WARD_OPTIONS=$opts run timeout 120 "$WARD" run -- "$TMP/robust" $what
    [ "$RC" -eq 0 ] || fail "$what under ward: status $RC, $(cat "$TMP/out")"
    expect_out "^ok$"
    expect_no_err "ward: ERROR"
done

build locks_all
run "$TMP/locks_all"
if [ "$RC" -ne 77 ]; then                   # 77: may not lock memory here
    [ "$RC" -eq 0 ] || fail "locks_all fails even without ward"
    cp "$TMP/out" "$TMP/plain.out"
    for mode in auto all; do
        ward_run --guard=$mode --leaks=0 -- "$TMP/locks_all"
        # Without CAP_IPC_LOCK the kernel compares the lock limit with the
        # whole address space, ward's reservations included: mlockall
        # fails under ward where it passed without (a known limit).
        [ "$RC" -eq 77 ] && break
        expect_rc 0
        cmp -s "$TMP/out" "$TMP/plain.out" || fail "locks_all: different output, guard=$mode"
        peak=$(sed -n 's/^peak \([0-9]*\) KiB$/\1/p' "$TMP/err")
        [ -n "$peak" ] && [ "$peak" -lt 262144 ] ||
            fail "locks_all: peak memory ${peak:-?} KiB under guard=$mode"
    done
fi
# A thread that takes every signal with sigwait is not sent ward's stop
# signal at exit (nor waited for, half a second); main leaving by
# pthread_exit leaves the leak scan its roots (/proc/self/maps of a dead
# leader reads as empty).
build thread_cases
ward_run -- "$TMP/thread_cases" sigwait
expect_rc 0
expect_no_report
expect_out "^main done$"
! grep -q "got signal" "$TMP/out" || fail "the signal thread took ward's signal"
# Traced, its last events reach the file although it cannot be stopped.
ward_run --trace="$TMP/sw.wtr" -- "$TMP/thread_cases" sigwait
expect_rc 0
run "$WARD" report "$TMP/sw.wtr"
expect_out "^ +12345 +1 +signal_thread"
# A traced run inside a traced run keeps its own fixed name.
ward_run --trace="$TMP/outer.wtr" -- sh -c "'$WARD' run --trace='$TMP/inner.wtr' -- '$TMP/thread_cases' sigwait"
expect_rc 0
[ -s "$TMP/inner.wtr" ] || fail "the inner run's trace went elsewhere"
ward_run -- "$TMP/thread_cases" main-exits
expect_rc 0
expect_no_report
expect_out "^worker done$"
# At exit, a thread not yet running holds its argument through ward's own
# record of it, and a thread ward saw end may still run the program's
# later TLS destructors: neither's blocks are leaks.
ward_run -- "$TMP/thread_cases" unstarted
expect_rc 0
expect_no_report
ward_run -- "$TMP/thread_cases" ending
expect_rc 0
expect_no_report
# dlopen: a plugin found by bare name through the program's RUNPATH (the
# interposer must leave glibc the caller's return address), and one loaded
# with RTLD_DEEPBIND, whose blocks cross between it and libc.
mkdir -p "$TMP/plugins"
cc -g -O0 -shared -fPIC -o "$TMP/plugins/libdlplugin.so" "$ROOT/tests/progs/dl_plugin.c" ||
    fail "cannot build the plugin"
build dl_host -ldl -Wl,-rpath,'$ORIGIN/plugins'
ward_run --leaks=0 -- "$TMP/dl_host" libdlplugin.so
expect_rc 0
expect_no_report
ward_run -- "$TMP/dl_host" libdlplugin.so deepbind
expect_rc 0
expect_out "^passed back and forth$"
expect_err "WARNING: a library was loaded with RTLD_DEEPBIND"
# A program without unwind tables: stacks come from libunwind's walk
# (frame by frame as far as it goes), and nothing breaks.
cc -g -O0 -fno-asynchronous-unwind-tables -fno-unwind-tables -o "$TMP/no_tables" \
    "$ROOT/tests/progs/double_free.c" || fail "cannot build"
ward_run -- "$TMP/no_tables"
expect_rc 23
expect_report double-free
expect_out "after the double free"
# A program under a seccomp filter that kills it for opening a file: ward
# opens nothing in the middle of the run (the walks of a stack it was not
# told of go to libunwind), so with no check at exit to make, it runs.
# Under a filter that refuses with EPERM, the leak check says it was
# skipped (it reported false leaks without its roots), and a report names
# frames by module and offset.
build sandboxed
ward_run --leaks=0 -- "$TMP/sandboxed" kill
expect_rc 0
expect_out "^sandboxed sum=1000$"
ward_run -- "$TMP/sandboxed" errno
expect_rc 0
expect_out "^sandboxed sum=1000$"
expect_err "WARNING: leak check skipped: /proc/self/maps could not be read"
expect_no_err "ERROR"
ward_run -- "$TMP/sandboxed" errno double-free
expect_rc 23
expect_report double-free
expect_err "in \?\? \(.*/sandboxed\+0x[0-9a-f]+\)$"
pass
