# Perl's Coro (libcoro's own switch, stacks ward is never told of):
# COROUTINES coroutines each building a small hash and yielding YIELDS
# times. Prints the sum of the strings' lengths.
# Usage: perl coro.pl [COROUTINES] [YIELDS]
use Coro;
my ($n, $yields) = (($ARGV[0] || 8), ($ARGV[1] || 5000));
my @c;
for my $k (1..$n) {
    push @c, async {
        my $s = 0;
        for my $i (1..$yields) { my %h = (a => $i, b => "x" x ($i % 50)); $s += length($h{b}); cede; }
        $s;
    };
}
my $t = 0; $t += $_->join for @c; print "$t\n";
