#!/bin/bash
# Stacks name inlined functions, each with the line of the call it made,
# as addr2line -i does: nested inline calls keep every level, and clang's
# DWARF 5 (no .debug_aranges, call sites in the unit's own file, index 0)
# gives file:line too, and so do calls inlined into a C++ lambda.
. "$(dirname "$0")/../lib.sh"
for cc in gcc clang; do
    command -v $cc > /dev/null || continue
    $cc -g -O2 -o "$TMP/chain_$cc" "$ROOT/tests/progs/inline_chain.c" || fail "cannot build with $cc"
    ward_run -- "$TMP/chain_$cc"
    expect_report heap-buffer-overflow
    sed -n '/^allocated by/,/^$/p' "$TMP/err" > "$TMP/alloc.txt"
    for want in "leaf .*inline_chain.c:8" "inner .*inline_chain.c:9" "middle .*inline_chain.c:10" \
                "outer .*inline_chain.c:11" "main .*inline_chain.c:15"; do
        grep -qE "^    #[0-9]+ 0x[0-9a-f]+ in $want$" "$TMP/alloc.txt" ||
            fail "$cc: no frame '$want' in the allocation stack"
    done
done
# A lambda's operator() lies, in GCC's DWARF, inside main's entry but
# outside main's code: the calls inlined into it keep their frames.
for cxx in g++ clang++; do
    command -v $cxx > /dev/null || continue
    $cxx -g -O2 -o "$TMP/lambda_$cxx" "$ROOT/tests/progs/lambda_chain.cpp" || fail "cannot build with $cxx"
    ward_run -- "$TMP/lambda_$cxx"
    expect_report heap-buffer-overflow
    sed -n '/^allocated by/,/^$/p' "$TMP/err" > "$TMP/alloc.txt"
    grep -qE "^    #0 0x[0-9a-f]+ in make[(a-z )]* .*lambda_chain.cpp:7$" "$TMP/alloc.txt" ||
        fail "$cxx: the allocation stack does not start in make"
    grep -qE "^    #1 0x[0-9a-f]+ in .*operator\(\).* .*lambda_chain.cpp:13$" "$TMP/alloc.txt" ||
        fail "$cxx: no frame of the lambda, at the line of its call to make"
done
# A module without debug info makes libdw ask debuginfod, which ward's
# reports never do: it would reach the network, and start curl and with it
# the program's own OpenSSL, which the program's exit handlers may already
# have torn down (ssh-keygen crashed at its leak report so).
cc -O0 -o "$TMP/leaky_stripped" "$ROOT/tests/progs/leaky.c" -pthread && strip "$TMP/leaky_stripped" ||
    fail "cannot build the stripped program"
LD_DEBUG=files ward_run -- "$TMP/leaky_stripped"
expect_report "leak of 68 bytes in 4 blocks, owner \"main\""
expect_no_err "libdebuginfod"
pass
