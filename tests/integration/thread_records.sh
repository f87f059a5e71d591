#!/bin/bash
# A thread per request: the records of ended threads are let go (100,000
# short threads cost 104 MB more than 2,000 when they were kept), and
# reports stay right: a thread started after them is named with its
# number and name, and a block an ended thread kept only in its TLS is
# leaked even once its record went and its stack waits in glibc's cache
# while 6,000 more threads come and go.
. "$(dirname "$0")/../lib.sh"
build thread_churn
ward_run -- "$TMP/thread_churn" churn 500
expect_rc 0
expect_no_report
few=$(peak_kib)
ward_run -- "$TMP/thread_churn" churn 25000
expect_rc 0
expect_no_report
expect_out "^100000 threads"
many=$(peak_kib)
[ -n "$few" ] && [ -n "$many" ] && [ $((many - few)) -lt 30000 ] ||
    fail "peak RSS grew from $few to $many KiB with 98,000 more ended threads"
# A thread whose record went is still named when its chunk's threads
# were all named alike.
ward_run -- "$TMP/thread_churn" named 1000
expect_rc 23
expect_report double-free
expect_err "^allocated by thread T300 \(handler\) at:$"
# Frees in the program's key destructors, after ward's own: each used to
# hold an 8 KiB batch of the quarantine out of its limit.
ward_run -- "$TMP/thread_churn" keyfree 12500
expect_rc 0
expect_no_report
keyfree=$(peak_kib)
[ -n "$keyfree" ] && [ $((keyfree - few)) -lt 40000 ] ||
    fail "peak RSS grew from $few to $keyfree KiB with 50,000 threads freeing in key destructors"
ward_run -- "$TMP/thread_churn" late 1000
expect_rc 23
expect_report double-free
expect_err "double-free on 0x[0-9a-f]+ \(free\) in thread T4001 \(late\)$"
expect_err "^allocated by thread T4001 \(late\) at:$"
ward_run -- "$TMP/thread_churn" tls 1500
expect_rc 23
expect_report leak
expect_err "leak of 777 bytes in 1 block"
# ...but memory the program mapped where a stack glibc let go was is not
# that stack.
ward_run -- "$TMP/thread_churn" remap
expect_rc 0
expect_no_report
expect_out "^remapped$"
pass
