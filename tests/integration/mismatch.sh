#!/bin/bash
# C++: a block released by another family than the one that made it is an
# alloc-dealloc-mismatch naming both, and is released all the same; every
# form of new and delete used rightly reports nothing; a program that
# replaces operator new keeps it; out of memory throws std::bad_alloc; an
# object deleted as another type (a sized delete told another size) is a
# new-delete-type-mismatch.
. "$(dirname "$0")/../lib.sh"
build cxx_mismatch -std=c++17
build cxx_replace

ward_run -- "$TMP/cxx_mismatch" ok
expect_rc 0
expect_no_report
expect_out "still alive"

check() {   # ARG OPERATION MADE_BY RELEASE_BY FRAME
    ward_run -- "$TMP/cxx_mismatch" "$1"
    expect_rc 23
    expect_report alloc-dealloc-mismatch
    expect_err "ERROR: alloc-dealloc-mismatch on 0x[0-9a-f]+ \($2\) in thread T0 \(main\)"
    expect_err "^the block was made by $3 and must be released by $4$"
    expect_frame "ERROR: alloc-dealloc-mismatch" "$5"
    expect_frame "^allocated by thread T0" main
    expect_out "still alive"
    # Released all the same: no leak, no second report.
    [ "$(grep -c 'ERROR' "$TMP/err")" -eq 1 ] || fail "$1: more than one report"
}
check new-free free "operator new" "operator delete" "release_c(void*)"
check array-delete "operator delete" "operator new \[\]" "operator delete \[\]" "release_scalar(int*)"
check new-array-delete "operator delete \[\]" "operator new" "operator delete" "release_array(int*)"
check malloc-delete "operator delete" malloc free "release_scalar(int*)"
check new-realloc realloc "operator new \[\]" "operator delete \[\]" main

# Deleted through a base class without a virtual destructor: the sized
# operator delete is told the base's size.
ward_run -- "$TMP/cxx_mismatch" base-delete
expect_rc 23
expect_report new-delete-type-mismatch
expect_err "^the block holds 40 bytes and operator delete was told 4: the object was deleted as another type"
expect_frame "ERROR: new-delete-type-mismatch" "drop(Base*)"
expect_out "still alive"

# delete of new []'s objects with destructors gets the address past the
# element count: an invalid free that says why.
ward_run -- "$TMP/cxx_mismatch" cookie
expect_report invalid-free
expect_err "is 8 bytes inside a 168-byte block"
expect_err "made by operator new \[\] for objects with destructors"

# The kind is a suppression kind like the others.
printf 'alloc-dealloc-mismatch:release_c\n' >"$TMP/supp"
ward_run --suppressions="$TMP/supp" -- "$TMP/cxx_mismatch" new-free
expect_rc 0
expect_no_report

# And a trace reproduces it.
ward_run --trace="$TMP/t.wtr" -- "$TMP/cxx_mismatch" malloc-delete
run "$WARD" report "$TMP/t.wtr"
expect_out "ERROR: alloc-dealloc-mismatch on 0x[0-9a-f]+ \(operator delete\)"
expect_out "must be released by free"

ward_run -- "$TMP/cxx_mismatch" oom
expect_rc 0
expect_no_report
expect_out "caught bad_alloc"
expect_out "nothrow gave NULL"

ward_run -- "$TMP/cxx_replace"
expect_rc 0
expect_no_report
expect_out "made 3"
pass
