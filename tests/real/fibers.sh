#!/bin/bash
# Coroutine runtimes whose stacks ward is never told of: Perl's Coro
# (libcoro's own switch), Ruby's fibers and PHP's Fibers (each with its
# own assembly). Allocations there are walked within the stack's mapping,
# new fibers' mappings asked of the kernel one by one: the programs behave
# as without ward, in the default mode and under guard=all, and a trace of
# them reads back whole.
. "$(dirname "$0")/../lib.sh"
perl -MCoro -e 1 2>/dev/null || fail "Perl's Coro is not installed (Debian package libcoro-perl)"
command -v ruby >/dev/null || fail "ruby is not installed (Debian package ruby)"
command -v php >/dev/null || fail "php is not installed (Debian package php-cli)"
cat > "$TMP/coro.pl" <<'EOF'
use Coro;
my @c;
for my $k (1..8) {
    push @c, async {
        my $s = 0;
        for my $i (1..5000) { my %h = (a => $i, b => "x" x ($i % 50)); $s += length($h{b}); cede; }
        $s;
    };
}
my $t = 0; $t += $_->join for @c; print "$t\n";
EOF
same_as_plain perl "$TMP/coro.pl"
expect_out "^980000$"
# Fibers made and dropped all along (each a new mapping), and Enumerators.
cat > "$TMP/fibers.rb" <<'EOF'
live = (1..20).map { |j| Fiber.new { i = 0; loop { i += 1; Fiber.yield("r" * (i % 64) + j.to_s) } } }
t = 0
3000.times do |n|
  f = Fiber.new { |x| Fiber.yield(x * 2); x }
  t += f.resume(n) + live[n % 20].resume.size
end
e = Enumerator.new { |y| i = 0; loop { y << "e" * (i % 40); i += 1 } }
2000.times { t += e.next.size }
puts t
EOF
same_as_plain ruby "$TMP/fibers.rb"
cat > "$TMP/fibers.php" <<'EOF'
<?php
$fs = []; $t = 0;
for ($i = 0; $i < 2000; $i++) {
    $f = new Fiber(function ($x) { while (true) $x = Fiber::suspend(str_repeat("y", $x % 64)); });
    $t += strlen($f->start($i));
    $fs[] = $f;
    if (count($fs) > 50) array_shift($fs);
    $t += strlen($fs[$i % count($fs)]->resume($i));
}
echo "$t\n";
EOF
USE_ZEND_ALLOC=0 same_as_plain php "$TMP/fibers.php"
ward_run --leaks=0 --trace="$TMP/fibers.wtr" -- ruby "$TMP/fibers.rb"
expect_rc 0
run "$WARD" report "$TMP/fibers.wtr"
expect_rc 0
expect_out "events, complete"
pass
