# Helpers for integration tests. A test is a bash script that sources this
# file, builds small programs, runs them under ward and checks what a user
# would check: the report's kind, the functions in its stacks, the exit
# status, and the program's own output.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
WARD=$BUILD/bin/ward
LIBWARD=$BUILD/lib/libward.so
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ward-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
RC=0
TEST_NAME=$(basename "$0" .sh)
unset WARD_OPTIONS
# Options for every ward run of a test run again another way (see
# guard_mappings.sh).
[ -n "${WARD_TEST_OPTIONS:-}" ] && export WARD_OPTIONS=$WARD_TEST_OPTIONS

fail() {
    echo "FAIL $TEST_NAME: $*" >&2
    if [ -s "$TMP/err" ]; then
        echo "---- stderr of the last run ----" >&2
        head -c 6000 "$TMP/err" >&2
    fi
    exit 1
}

# build NAME [compiler flags...]: tests/progs/NAME.c (or .cpp) -> $TMP/NAME
build() {
    local name=$1; shift
    local src=$ROOT/tests/progs/$name.c cc=${CC:-cc}
    if [ -f "$ROOT/tests/progs/$name.cpp" ]; then
        src=$ROOT/tests/progs/$name.cpp; cc=${CXX:-c++}
    fi
    $cc -g -O0 -w -I"$ROOT/lib" -o "$TMP/$name" "$src" -pthread "$@" \
        || fail "cannot compile $src"
}

# run CMD...: runs it with stdout in $TMP/out, stderr in $TMP/err, status in $RC
run() {
    "$@" >"$TMP/out" 2>"$TMP/err"
    RC=$?
}

# ward_run [--opt=value...] -- PROG ARGS
ward_run() { run "$WARD" run "$@"; }

expect_rc() { [ "$RC" -eq "$1" ] || fail "exit status $RC, expected $1"; }

expect_err() {
    grep -qE -- "$1" "$TMP/err" || fail "stderr lacks /$1/"
}

expect_no_err() {
    ! grep -qE -- "$1" "$TMP/err" || fail "stderr has /$1/"
}

expect_out() {
    grep -qE -- "$1" "$TMP/out" || fail "stdout lacks /$1/"
}

# expect_report KIND: an ERROR report of that kind, and nothing else
expect_report() {
    grep -qE "^==[0-9]+== ward: ERROR: $1( |$)" "$TMP/err" || fail "no '$1' report"
}

expect_no_report() {
    ! grep -qE "^==[0-9]+== ward: (ERROR|WARNING)" "$TMP/err" || fail "unexpected report"
}

# expect_frame SECTION FUNC: the first stack printed after the first line
# matching SECTION has a frame in FUNC.
expect_frame() {
    awk -v sec="$1" -v fn="$2" '
        found && /^    #/ { frames = 1; if ($4 == fn) { ok = 1; exit } next }
        found && frames { exit }
        !found && $0 ~ sec { found = 1 }
        END { exit ok ? 0 : 1 }' "$TMP/err" || fail "no frame '$2' after /$1/"
}

# peak_kib: the "peak N KiB" a program of tests/progs/peak_rss.h printed
# on stdout.
peak_kib() { sed -n 's/.*peak \([0-9]*\) KiB/\1/p' "$TMP/out"; }

pass() { echo "ok   $TEST_NAME"; }

# same_as_plain CMD...: runs CMD plainly, then under ward in the default
# mode and in guard=all (with leaks=0, so that only errors count, unless
# WARD_OPTIONS_EXTRA says otherwise), and checks that the output and status
# are identical and that ward reported no error. Warnings (heuristics, and
# the notice that the kernel's map limit stops guarding) are allowed.
same_as_plain() {
    run "$@"
    local plain_rc=$RC mode
    cp "$TMP/out" "$TMP/plain.out"
    for mode in "" ":guard=all"; do
        WARD_OPTIONS=${WARD_OPTIONS_EXTRA:-leaks=0}$mode run "$WARD" run -- "$@"
        cmp -s "$TMP/out" "$TMP/plain.out" || {
            diff "$TMP/plain.out" "$TMP/out" | head -20 >&2
            fail "output differs under ward$mode: $*"
        }
        [ "$RC" -eq "$plain_rc" ] || fail "status $RC under ward$mode, $plain_rc without: $*"
        ! grep -qE "^==[0-9]+== ward: ERROR" "$TMP/err" || fail "ward$mode reported an error"
    done
}
