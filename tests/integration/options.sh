#!/bin/bash
# Options: ward run --key=value and WARD_OPTIONS, one-line errors for bad
# ones, --help and --version.
. "$(dirname "$0")/../lib.sh"
build double_free

run "$WARD" run --bogus=1 -- touch "$TMP/started"
expect_rc 2
[ ! -e "$TMP/started" ] || fail "program started despite a bad option"
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "error is not one line"
expect_err "unknown option 'bogus'; valid options are log_path, exitcode, halt_on_error, leaks"

run "$WARD" run --exitcode=abc -- true
expect_rc 2
expect_err "bad value 'abc' for option 'exitcode': expected an integer from 0 to 255"

WARD_OPTIONS=leaks=maybe run "$WARD" run -- true
expect_rc 2
expect_err "bad value 'maybe' for option 'leaks': expected 0 or 1"

# Bare preload with a bad option: one message, then the program runs
# unchecked (its leaks unreported) and keeps its own exit status.
build leaky
LD_PRELOAD=$LIBWARD WARD_OPTIONS=nope=1 run "$TMP/leaky"
expect_rc 0
expect_err "unknown option 'nope'"
expect_no_report
# Inert, ward hands glibc's other names (__libc_malloc...) to glibc too,
# found through a dl_iterate_phdr that itself allocates.
build libc_names
cc -g -O0 -shared -fPIC -o "$TMP/alloc_iterate.so" "$ROOT/tests/progs/alloc_iterate.c" -ldl ||
    fail "cannot build the interposer"
LD_PRELOAD="$LIBWARD:$TMP/alloc_iterate.so" WARD_OPTIONS=nope=1 run "$TMP/libc_names"
expect_rc 0
expect_out "^ok$"

# Options from the environment and the command line combine.
WARD_OPTIONS=exitcode=9 ward_run -- "$TMP/double_free"
expect_rc 9
WARD_OPTIONS=exitcode=9 ward_run --exitcode=11 -- "$TMP/double_free"
expect_rc 11

# log_path: reports go to the file (%p is the pid), not to stderr.
ward_run --log_path="$TMP/log.%p" -- "$TMP/double_free"
expect_rc 23
expect_no_report
ls "$TMP"/log.* >/dev/null 2>&1 || fail "no log file"
grep -q "ERROR: double-free" "$TMP"/log.* || fail "log lacks the report"
[ "$(stat -c %a "$TMP"/log.*)" = 600 ] || fail "log file is not private"
# A symbolic link at log_path is not followed: the report goes to stderr.
echo victim > "$TMP/victim"
ln -s "$TMP/victim" "$TMP/planted.log"
ward_run --log_path="$TMP/planted.log" -- "$TMP/double_free"
expect_rc 23
expect_report double-free
[ "$(cat "$TMP/victim")" = victim ] || fail "log_path followed a symbolic link"

# Reports reach the stderr the program started with, even when it closes
# descriptor 2 before the exit checks, or opens a file of its own there.
build closes_stderr
ward_run -- "$TMP/closes_stderr" atexit
expect_rc 23
expect_report "leak of [0-9]+ bytes in [0-9] blocks?,"
ward_run -- "$TMP/closes_stderr" reuse "$TMP/own.txt"
expect_rc 23
expect_report double-free
[ "$(cat "$TMP/own.txt")" = data ] || fail "a report went into the program's own file"
# Also when stderr is a pipe (a CI job's log): the report arrives through
# it. A child that lives on as a daemon does not hold the pipe open, so
# its reader sees the end at once.
run bash -c '"$1" run -- "$2" atexit 2>&1 | cat' sh "$WARD" "$TMP/closes_stderr"
expect_out "leak of [0-9]+ bytes in [0-9] blocks?,"
start=$(date +%s)
run timeout 15 bash -c '"$1" run -- "$2" daemon 2>&1 | cat' sh "$WARD" "$TMP/closes_stderr"
expect_rc 0
[ $(($(date +%s) - start)) -lt 10 ] || fail "a daemon child kept the stderr pipe open"

# A program that closes every descriptor (closefrom) and opens files of
# its own: they get the low numbers, and nothing of ward's lands in them.
# Under the usual limit of 1024 descriptors, as on most machines.
build closes_fds
run bash -c 'ulimit -Sn 1024 && exec "$@"' sh "$WARD" run --trace="$TMP/cf.%p.wtr" -- \
    "$TMP/closes_fds" "$TMP/one.txt" "$TMP/two.txt"
expect_rc 23
expect_report "leak of 21 bytes in 1 block,"
[ "$(cat "$TMP/one.txt")" = "first 3" ] || fail "the program's first file holds: $(od -c "$TMP/one.txt" | head -3)"
[ "$(cat "$TMP/two.txt")" = "second 4" ] || fail "the program's second file holds: $(od -c "$TMP/two.txt" | head -3)"
run "$WARD" report "$TMP"/cf.*.wtr
expect_rc 0
expect_out "^duration: .* events, complete"

run "$WARD" run --help
expect_rc 0
for o in log_path exitcode halt_on_error leaks stack_depth quarantine; do
    expect_out "^  $o "
done
run "$WARD" --version
expect_out "^ward [0-9]+\.[0-9]+\.[0-9]+$"
run "$WARD" run -- /nonexistent/prog
expect_rc 127
expect_err "cannot run '/nonexistent/prog'"
# A statically linked program cannot take ward's library: ward run says so
# and runs it anyway.
if echo 'int main(void) { return 3; }' > "$TMP/static.c" && cc -static -o "$TMP/static" "$TMP/static.c" 2>/dev/null; then
    run "$WARD" run -- "$TMP/static"
    expect_rc 3
    expect_err "warning: '.*static' is statically linked"
fi
run "$WARD" run -- true
expect_rc 0
[ ! -s "$TMP/err" ] || fail "a warning for a dynamically linked program"
# A relative log_path is where ward run started, though the program moves;
# a log that cannot be made says why.
cat > "$TMP/moves.c" <<'C'
#include <stdlib.h>
#include <unistd.h>
int main(void) { if (chdir("/")) return 1; char *p = malloc(4); free(p); free(p); return 0; }
C
cc -o "$TMP/moves" "$TMP/moves.c" || fail "cannot build"
(cd "$TMP" && "$WARD" run --log_path=moved.%p.log -- ./moves 2> /dev/null)
ls "$TMP"/moved.*.log > /dev/null 2>&1 || fail "the log went where the program moved"
ward_run --log_path=/nonexistent/dir/x.%p.log -- "$TMP/double_free"
expect_err "cannot create log file '/nonexistent/dir/x\.[0-9]+\.log': No such file or directory; reporting to stderr"
expect_report double-free
pass
