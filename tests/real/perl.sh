#!/bin/bash
# perl with a hash-heavy one-liner behaves the same under ward.
. "$(dirname "$0")/../lib.sh"
command -v perl >/dev/null || fail "perl is not installed"
same_as_plain perl -e 'my %h; for my $i (1..200000) { $h{"k$i"} = [$i, "v" x ($i % 17)] }
    delete $h{"k$_"} for grep { $_ % 3 } 1..200000;
    my $s = 0; $s += $_->[0] for values %h; print scalar(keys %h), " $s\n"'
expect_out "^66666 "
pass
