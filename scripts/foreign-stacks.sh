#!/bin/bash
# Times coroutine runtimes whose stacks ward is never told of (Perl's Coro,
# Ruby's and PHP's fibers, hand-written switchers), plain and under ward,
# best of three runs each. A figure to record in docs/performance.md, never
# a test.
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

cc -O2 -w -o "$T/coro_foreign" "$ROOT/tests/progs/coro_foreign.c" || exit 1
cat > "$T/coro.pl" <<'EOF'
use Coro;
my @c;
for my $k (1..4) {
    push @c, async { my $s = 0; for my $i (1..50000) { my %h = (a => $i, b => "x" x ($i % 50)); $s += length($h{b}); cede; } $s };
}
my $t = 0; $t += $_->join for @c; print "$t\n";
EOF
cat > "$T/new_fibers.rb" <<'EOF'
live = (1..20).map { |j| Fiber.new { i = 0; loop { i += 1; Fiber.yield("r" * (i % 64) + j.to_s) } } }
t = 0
10000.times { |n| f = Fiber.new { |x| Fiber.yield(x * 2); x }; t += f.resume(n) + live[n % 20].resume.size }
puts t
EOF
cat > "$T/round_robin.rb" <<'EOF'
fs = (1..20).map { |j| Fiber.new { i = 0; loop { i += 1; Fiber.yield(("r" * (i % 64)) + j.to_s) } } }
t = 0
200000.times { |n| t += fs[n % 20].resume.size }
puts t
EOF
cat > "$T/new_fibers.php" <<'EOF'
<?php
$fs = []; $t = 0;
for ($i = 0; $i < 5000; $i++) {
    $f = new Fiber(function ($x) { while (true) $x = Fiber::suspend(str_repeat("y", $x % 64)); });
    $t += strlen($f->start($i));
    $fs[] = $f;
    $t += strlen($fs[$i % count($fs)]->resume($i));
}
echo "$t\n";
EOF

best() {        # best LIB CMD...: the best wall time of three runs
    local lib=$1 b=999 s e; shift
    for _ in 1 2 3; do
        s=$(date +%s.%N)
        if [ "$lib" = plain ]; then "$@" >/dev/null 2>&1
        else WARD_OPTIONS=leaks=0 LD_PRELOAD=$lib "$@" >/dev/null 2>&1; fi
        e=$(date +%s.%N)
        b=$(echo "$s $e $b" | awk '{ t = $2 - $1; print (t < $3) ? t : $3 }')
    done
    printf " %6.2f s" "$b"
}

row() {         # row NAME NEEDS CMD...
    local name=$1 needs=$2; shift 2
    if ! eval "$needs" >/dev/null 2>&1; then
        printf "%-44s (not installed)\n" "$name"
        return
    fi
    printf "%-44s" "$name"
    best plain "$@"
    for lib in "${LIBS[@]}"; do best "$lib" "$@"; done
    echo
}

printf "%-44s %8s" "" plain
for lib in "${LIBS[@]}"; do     # a build's directory, or the file's own name
    name=$(basename "$lib" .so)
    [ "$name" = libward ] && name=$(basename "$(dirname "$(dirname "$lib")")")
    printf " %8.8s" "$name"
done
echo
row "Perl Coro, 4 coroutines x 50,000 yields" "perl -MCoro -e 1" perl "$T/coro.pl"
row "Ruby, a new fiber per round, 10,000" "command -v ruby" ruby "$T/new_fibers.rb"
row "Ruby, 20 fibers round robin, 200,000" "command -v ruby" ruby "$T/round_robin.rb"
row "PHP, a new Fiber per round, 5,000" "command -v php" env USE_ZEND_ALLOC=0 php "$T/new_fibers.php"
row "C, 3 hand-switched stacks, 200,000 rounds" true "$T/coro_foreign" 200000
