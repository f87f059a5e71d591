#!/bin/bash
# What a correct program does must keep working under ward: thread churn
# without memory growth, errno untouched by free and by successful
# allocations, fork from a signal handler that interrupted malloc, huge and
# hugely aligned blocks, and more large blocks than the kernel's mapping
# limit could guard; and threads still inside malloc or free when the
# process forks or exits (several times over, the windows are short).
. "$(dirname "$0")/../lib.sh"
build robust
for what in threads-churn errno fork-in-handler huge-realloc many-large \
            exit-while-busy exit-while-busy exit-while-busy; do
    run "$TMP/robust" $what
    [ "$RC" -eq 0 ] || fail "$what fails even without ward"
    WARD_OPTIONS=leaks=0 run timeout 120 "$WARD" run -- "$TMP/robust" $what
    [ "$RC" -eq 0 ] || fail "$what under ward: status $RC, $(cat "$TMP/out")"
    expect_out "^ok$"
    expect_no_err "ward: ERROR"
done
pass
