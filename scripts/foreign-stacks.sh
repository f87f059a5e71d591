#!/bin/bash
# Times coroutine runtimes whose stacks ward is never told of (Perl's Coro,
# Ruby's and PHP's fibers, hand-written switchers), plain and under ward,
# the median of three runs each. A figure to record in docs/performance.md,
# never a test.
#
#   scripts/foreign-stacks.sh [LIB...]
#
# Each LIB is a libward.so to compare (default: build/lib/libward.so), so
# that an older build can be timed beside the current one. Runtimes that
# are not installed (libcoro-perl, ruby, php-cli) are skipped.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LIBS=("${@:-$ROOT/build/lib/libward.so}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

P=$ROOT/tests/progs                     # the programs tests/real/fibers.sh runs
cc -O2 -w -o "$T/coro_foreign" "$P/coro_foreign.c" || exit 1

median() {      # median LIB CMD...: the median wall time of three runs
    local lib=$1 s e times=""; shift
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        if [ "$lib" = plain ]; then "$@" >/dev/null 2>&1
        else WARD_OPTIONS=leaks=0 LD_PRELOAD=$lib "$@" >/dev/null 2>&1; fi
        e=$(date +%s.%N)
        times="$times $(echo "$s $e" | awk '{ print $2 - $1 }')"
    done
    printf " %6.2f s" "$(echo $times | tr ' ' '\n' | sort -g | sed -n 2p)"
}

row() {         # row NAME NEEDS CMD...
    local name=$1 needs=$2; shift 2
    if ! eval "$needs" >/dev/null 2>&1; then
        printf "%-44s (not installed)\n" "$name"
        return
    fi
    printf "%-44s" "$name"
    median plain "$@"
    for lib in "${LIBS[@]}"; do median "$lib" "$@"; done
    echo
}

printf "%-44s %8s" "" plain
for lib in "${LIBS[@]}"; do     # a build's directory, or the file's own name
    name=$(basename "$lib" .so)
    [ "$name" = libward ] && name=$(basename "$(dirname "$(dirname "$lib")")")
    printf " %8.8s" "$name"
done
echo
row "Perl Coro, 4 coroutines x 50,000 yields" "perl -MCoro -e 1" perl "$P/coro.pl" 4 50000
row "Ruby, a new fiber per round, 10,000" "command -v ruby" ruby "$P/fibers.rb" 10000 0
row "Ruby, 20 fibers round robin, 200,000" "command -v ruby" ruby "$P/fibers.rb" 0 200000
row "PHP, a new Fiber per round, 5,000" "command -v php" env USE_ZEND_ALLOC=0 php "$P/fibers.php" 5000 0
row "C, 3 hand-switched stacks, 200,000 rounds" true "$T/coro_foreign" 200000
