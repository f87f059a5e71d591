#!/bin/bash
# What a correct program does must keep working under ward: thread churn
# without memory growth, errno untouched by free and by successful
# allocations, fork from a signal handler that interrupted malloc, huge and
# hugely aligned blocks, and more large blocks than the kernel's mapping
# limit could guard; and threads still inside malloc or free when the
# process forks or exits, or still starting when it exits (several times
# over, the windows are short); and a block only a thread held when the
# process forked, not leaked in the child.
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
pass
