#!/bin/bash
# Coroutine runtimes whose stacks ward is never told of: Perl's Coro
# (libcoro's own switch), Ruby's fibers and PHP's Fibers (each with its
# own assembly). Allocations there are walked within the stack's mapping,
# new fibers' mappings asked of the kernel one by one: the programs behave
# as without ward, in the default mode and under guard=all, and a trace of
# them reads back whole. scripts/foreign-stacks.sh times the same programs.
. "$(dirname "$0")/../lib.sh"
perl -MCoro -e 1 2>/dev/null || fail "Perl's Coro is not installed (Debian package libcoro-perl)"
command -v ruby >/dev/null || fail "ruby is not installed (Debian package ruby)"
command -v php >/dev/null || fail "php is not installed (Debian package php-cli)"
P=$ROOT/tests/progs
same_as_plain perl "$P/coro.pl" 8 5000
expect_out "^980000$"
same_as_plain ruby "$P/fibers.rb" 3000 0
USE_ZEND_ALLOC=0 same_as_plain php "$P/fibers.php" 2000 50
ward_run --leaks=0 --trace="$TMP/fibers.wtr" -- ruby "$P/fibers.rb" 3000 0
expect_rc 0
run "$WARD" report "$TMP/fibers.wtr"
expect_rc 0
expect_out "events, complete"
pass
