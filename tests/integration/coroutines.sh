#!/bin/bash
# Coroutines made with makecontext are followed without any change to the
# program: reports name the coroutine of the access, the allocation and
# the free; a write to a block freed while the writer was suspended is
# explained with the yield it was suspended at; double frees across
# coroutines name both; running off a coroutine stack is stack-overflow;
# reading a finished coroutine's stack is use-after-free of that stack.
# Coroutines switched by siglongjmp after their first entry are followed
# by the stack pointer.
. "$(dirname "$0")/../lib.sh"
src=$ROOT/docs/examples/coro_scheduler.c
cc -g -O0 -w -I"$ROOT/lib" -o "$TMP/sched" "$src" || fail "cannot compile $src"

# A clean scheduler: thousands of switches, nothing reported.
ward_run -- "$TMP/sched" "" 5000
expect_rc 0
expect_no_report
expect_out "produced 5000 consumed 5000"

for mode in "" --guard=all; do
    ward_run $mode -- "$TMP/sched" held-across-yield
    expect_rc 23
    expect_report use-after-free
    expect_err "use-after-free on 0x[0-9a-f]+ \((write|write found when coroutine 2 \(consumer\) yielded)\) in thread T0 \(main\), coroutine 2 \(consumer\)"
    expect_err "^coroutine 2 \(consumer\) was suspended when coroutine 1 \(producer\) freed the block; it had yielded at:$"
    expect_frame "was suspended when" yield
    expect_frame "was suspended when" consumer
    expect_frame "^allocated by thread T0 \(main\), coroutine 1 \(producer\) at:" producer
    expect_frame "^freed by thread T0 \(main\), coroutine 1 \(producer\) at:" producer
    expect_err "owner \"producer\""
done

ward_run -- "$TMP/sched" double-free
expect_rc 23
expect_report double-free
expect_err "freed first in thread T0 \(main\), coroutine 2 \(consumer\), and again in thread T0 \(main\), coroutine 1 \(producer\)"

ward_run -- "$TMP/sched" stack-overflow
expect_rc 23
expect_report stack-overflow
expect_err "stack-overflow on 0x[0-9a-f]+ \(write\) in thread T0 \(main\), coroutine 2 \(consumer\)"
expect_frame "ERROR: stack-overflow" depth_sum
expect_err "coroutine 2 \(consumer\) ran off its 65536-byte stack \[0x[0-9a-f]+, 0x[0-9a-f]+\)"
expect_frame "^made at:" spawn

for mode in "" --guard=all; do
    ward_run $mode -- "$TMP/sched" dead-stack
    expect_rc 23
    expect_report use-after-free
    expect_err "\(read\)"
    expect_err "the block was the stack of coroutine 4 \(borrower\), which has finished"
done

# coro_leaks=1: what a finished coroutine leaves unreachable is reported
# when it finishes (the producer allocated the dropped messages).
ward_run --coro_leaks=1 --leaks=0 -- "$TMP/sched" leak
expect_rc 23
expect_err "coroutine 1 \(producer\) finished without freeing blocks that nothing points to any more:"
expect_report "leak of [0-9]+ bytes in [0-9]+ blocks, owner \"producer\""
expect_frame "^allocated by thread T0 \\(main\\), coroutine 1 \\(producer\\) at:" producer

# Threads each with their own coroutines.
build coro_threads
ward_run --stats=1 -- "$TMP/coro_threads"
expect_rc 0
expect_no_err "ward: ERROR"
expect_out "48024 switches done"
expect_err "coroutines at exit:"
expect_err "coroutine 12 \(worker3\) +finished +2000 "

# A frame larger than the whole stack: the stack pointer is far below the
# stack when the guard page is hit; still an overflow.
build coro_bigframe
ward_run -- "$TMP/coro_bigframe"
expect_rc 23
expect_report stack-overflow
expect_err "stack-overflow on 0x[0-9a-f]+ \(write\) in thread T0 \(main\), coroutine 1"
expect_frame "ERROR: stack-overflow" big_frame
! grep -q survived "$TMP/out" || fail "the program went on past its stack"

# ward's free fits on a coroutine stack of 3 KiB (GNU PCL's helper has
# one), its first calls into libc too (bound at load: the dynamic linker's
# lazy resolver alone took more than the stack). The program is bound at
# load too, or its own first call to free would not fit, with or without
# ward.
build coro_small_stack -Wl,-z,now
ward_run -- "$TMP/coro_small_stack"
expect_rc 0
expect_out "^stack used: [0-9]+ bytes of 3072$"

# One write after free found by coroutines yielding at once on eight
# threads is reported once.
build coro_yield_together
ward_run -- "$TMP/coro_yield_together"
expect_rc 23
[ "$(grep -c 'ERROR: use-after-free' "$TMP/err")" -eq 1 ] ||
    fail "$(grep -c 'ERROR: use-after-free' "$TMP/err") reports of one write"

# Stack painting: the scheduler scans a finished coroutine's stack from
# the bottom; ward's guard gives way and the pattern survives.
build coro_paint
ward_run -- "$TMP/coro_paint"
expect_rc 0
expect_no_report
expect_out "^untouched from the bottom: most$"
# ... also once thousands of other stacks have guard pages.
ward_run -- "$TMP/coro_paint" 5000
expect_rc 0
expect_no_report
expect_out "^untouched from the bottom: most$"
# ... and when the paint starts above the stack's first bytes.
ward_run -- "$TMP/coro_paint" 0 above
expect_rc 0
expect_no_report
expect_out "^untouched from the bottom: most$"

# A second write after free, after the first was reported at a yield,
# is reported too.
build coro_write_twice
ward_run -- "$TMP/coro_write_twice"
expect_rc 23
[ "$(grep -c 'ERROR: use-after-free' "$TMP/err")" -eq 2 ] || fail "not both writes after free reported"
expect_err "SUMMARY: use-after-free in body .*coro_write_twice.c:21$"
expect_err "SUMMARY: use-after-free in body .*coro_write_twice.c:23$"

# munmap from a signal handler that interrupts ward's coroutine code.
build coro_sig_munmap
ward_run -- "$TMP/coro_sig_munmap" 30000
expect_rc 0
expect_no_report
expect_out "^done, [0-9]+ signals$"

# A quarter of a million stacks freed under suspended coroutines: none of
# their guard pages is left behind on the freed memory.
build coro_abandon
ward_run -- "$TMP/coro_abandon" 250000
expect_rc 0
expect_no_report
expect_out "^abandoned 250000$"

# Coroutine yields on one thread while other threads free and reuse
# blocks quickly: their blocks' new contents are not writes after free.
build coro_busy_threads
ward_run --quarantine=4K -- "$TMP/coro_busy_threads" 300000
expect_rc 0
expect_no_report
expect_out "^corrupted 0$"

# Switches ward does not see (entered once with swapcontext, then
# siglongjmp, as QEMU does): the stack pointer tells which coroutine runs.
build coro_longjmp
ward_run --stats=1 -- "$TMP/coro_longjmp" "" 50
expect_rc 0
expect_no_err "ward: ERROR"
expect_out "consumed 50 of 50"
expect_err "^  producer +0 +0 +64 +50$"
expect_err "coroutine 1 \(producer\) +suspended +5[0-9] "
ward_run -- "$TMP/coro_longjmp" held-across-yield
expect_rc 23
expect_report use-after-free
expect_err "write found at a coroutine switch made without a call ward sees\) in thread T0 \(main\), coroutine 2 \(consumer\)"
expect_frame "^allocated by thread T0 \(main\), coroutine 1 \(producer\) at:" produce
expect_frame "^freed by thread T0 \(main\), coroutine 1 \(producer\) at:" produce
ward_run --guard=all -- "$TMP/coro_longjmp" held-across-yield
expect_rc 23
expect_report use-after-free
expect_err "\(write\) in thread T0 \(main\), coroutine 2 \(consumer\)"
expect_frame "ERROR: use-after-free" consume
expect_err "^coroutine 2 \(consumer\) was suspended when coroutine 1 \(producer\) freed the block \(it had switched away without a call ward sees"
# A stack after its coroutine: exit() called on a 16 KiB coroutine stack
# runs ward's exit checks on a stack of its own (the program's buffered
# output survives, no stack-overflow); a finished coroutine's stack is the
# program's again, to grow with realloc (not pinned, no moved-self-
# reference: its saved frame pointers are dead); a finished context run
# again is followed again.
build coro_reuse
for opt in --leaks=1 --coro_leaks=1; do
    ward_run $opt -- "$TMP/coro_reuse" exit-on-coroutine
    expect_rc 0
    expect_no_report
    expect_out "^job ran$"
done
ward_run -- "$TMP/coro_reuse" regrow
expect_rc 0
expect_no_report
[ "$(grep -c '^job ran$' "$TMP/out")" -eq 2 ] || fail "the second coroutine did not run"
expect_out "^done$"
ward_run -- "$TMP/coro_reuse" remake
expect_rc 0
expect_no_report
expect_out "^done$"
ward_run -- "$TMP/coro_reuse" rerun
expect_rc 23
expect_report use-after-free
expect_err "write found when coroutine 1 yielded"
expect_err "^coroutine 1 was suspended when thread T0 freed the block; it had yielded at:"
expect_frame "^allocated by thread T0 \(main\), coroutine 1 at:" rerun_job
# A coroutine's write to a block it freed itself is found as it yields,
# and blamed on it, not on a coroutine that was suspended meanwhile.
build coro_blame
ward_run -- "$TMP/coro_blame"
expect_rc 23
expect_report use-after-free
expect_err "\(write found when coroutine 1 \(A\) yielded\) in thread T0 \(main\), coroutine 1 \(A\)"
expect_no_err "was suspended when"
expect_frame "^freed by thread T0 \(main\), coroutine 1 \(A\) at:" coro_a
[ "$(grep -c 'ERROR:' "$TMP/err")" -eq 1 ] || fail "reported more than once"
# The log of frees of a thread that ended goes to the next thread, and
# still explains a write to a block that thread freed while the coroutine
# was suspended, after 50 more threads came and went.
build coro_thread_log
ward_run -- "$TMP/coro_thread_log"
expect_rc 23
expect_report use-after-free
expect_err "write found when coroutine 1 yielded"
expect_err "^coroutine 1 was suspended when thread T1 freed the block; it had yielded at:"
expect_frame "^freed by thread T1 at:" free_held
expect_out "^done$"
# A log taken over from an ended thread: that thread's own write after
# free is not put down to the coroutine that yields on the new owner.
ward_run -- "$TMP/coro_thread_log" inherit
expect_rc 23
expect_report use-after-free
expect_err "\(found at exit\)"
expect_no_err "yielded"
# A coroutine that writes to a block freed while it was suspended and
# then returns: found as it finishes, with the explanation.
build coro_end_write
ward_run -- "$TMP/coro_end_write"
expect_rc 23
expect_report use-after-free
expect_err "write found when coroutine 1 finished"
expect_frame "ERROR: use-after-free" body
expect_err "^coroutine 1 was suspended when thread T0 freed the block; it had yielded at:"
expect_frame "^freed by thread T0 \(main\) at:" drop
expect_out "^done$"
# Counts per coroutine follow a pinned block resized in place: what it
# held at its end is the grown size, and nothing is left live after the
# free.
build coro_counts
ward_run --stats=1 -- "$TMP/coro_counts"
expect_rc 0
expect_no_report
expect_err "^  coroutine 1 \(grower\) +finished +0 +0 +0 +24$"
# A context record made again by another thread runs the new coroutine:
# the main thread's memo of what the record held is not trusted.
build coro_rebind
ward_run -- "$TMP/coro_rebind"
expect_rc 23
expect_report double-free
expect_err "double-free on 0x[0-9a-f]+ \(free\) in thread T0 \(main\), coroutine 2$"
expect_no_err "\(one\)"
# Stacks carved from one block: each keeps its guard, an overflow names
# the coroutine that ran off its stack, and one finishing neither unpins
# the block under the other nor hides what the other holds from the leak
# scan.
build coro_carve
ward_run -- "$TMP/coro_carve" overflow
expect_rc 23
expect_report stack-overflow
expect_err "coroutine 1 \(one\) ran off its 65536-byte stack"
ward_run --coro_leaks=1 -- "$TMP/coro_carve" handoff
expect_rc 0
expect_no_report
expect_out "^made by one, kept by two$"
ward_run -- "$TMP/coro_carve" suspended
expect_rc 0
expect_no_report
# Coroutines on stacks ward is never told of (static, mapped between
# guard pages, from malloc), switched by hand-written assembly: stacks
# taken there are walked within the memory that holds them and name the
# coroutine's calls down to the switcher's entry.
build coro_foreign
run "$TMP/coro_foreign" 300
plain_out=$(cat "$TMP/out")
for opt in --guard=auto --guard=all; do
    ward_run $opt -- "$TMP/coro_foreign" 300
    expect_rc 0
    expect_no_report
    [ "$(cat "$TMP/out")" = "$plain_out" ] || fail "output differs from plain's"
done
for on in static mapped heap; do
    ward_run -- "$TMP/coro_foreign" 20 "$on"
    expect_rc 23
    expect_report double-free
    expect_frame "ERROR: double-free" "on_$on"
    expect_frame "^allocated by thread T0" make_block
    expect_frame "^allocated by thread T0" "on_$on"
    expect_frame "^freed by thread T0" drop_block
    expect_frame "^freed by thread T0" "on_$on"
done
# ... and a mapping the program shrinks under a stack whose outermost
# frame's rule reads above its top (ward sees munmap; the others, and a
# guard marker inside the mapping, only as a fault of its walk, which
# libunwind then does): no crash.
for how in munmap mprotect mmap mremap marker; do
    ward_run -- "$TMP/coro_foreign" shrink "$how"
    expect_rc 0
    expect_no_report
    expect_out "^survived $how$"
done
# Walks go on past a call onto a stack of its own whose unwind
# information leads back, and past code without unwind information that
# keeps a frame pointer (both by libunwind).
for on in mapped heap; do
    ward_run -- "$TMP/coro_foreign" on-stack "$on"
    expect_rc 23
    expect_report double-free
    expect_frame "ERROR: double-free" call_on_stack
    expect_frame "^allocated by thread T0" main
done
ward_run -- "$TMP/coro_foreign" nocfi
expect_rc 23
expect_report double-free
expect_frame "ERROR: double-free" through_nocfi
expect_frame "^allocated by thread T0" fsw_entry
# A coroutine per request: the records of finished coroutines are let go
# (50,000 cost 23 MB more than 2,000 when they were kept), and what ward
# still follows keeps its name and history: a coroutine made before them,
# in a block whose other stacks' records went; one made after them; a
# context switched to again after its record went; a thread whose
# coroutine went while it ran elsewhere, unseen, is its thread again.
build coro_churn
ward_run -- "$TMP/coro_churn" churn 2000
expect_rc 0
expect_no_report
few=$(peak_kib)
ward_run --stats=1 -- "$TMP/coro_churn" churn 50000
expect_rc 0
expect_out "^50000 runs"
expect_err "and 4[89][0-9]{3} ended coroutines whose records ward let go"
many=$(peak_kib)
[ -n "$few" ] && [ -n "$many" ] && [ $((many - few)) -lt 12000 ] ||
    fail "peak RSS grew from $few to $many KiB with 48,000 more finished coroutines"
ward_run -- "$TMP/coro_churn" overflow 3000
expect_rc 23
expect_report stack-overflow
expect_err "coroutine 1 \(old\) ran off its 65536-byte stack"
ward_run -- "$TMP/coro_churn" uaf 3000
expect_rc 23
expect_report use-after-free
expect_err "^coroutine 3001 \(late\) was suspended when thread T0 freed the block; it had yielded at:$"
expect_frame "was suspended when" late
run "$TMP/coro_churn" restart 3000
cp "$TMP/out" "$TMP/plain.out"
plain_rc=$RC
ward_run -- "$TMP/coro_churn" restart 3000
expect_rc $plain_rc
expect_no_report
cmp -s "$TMP/out" "$TMP/plain.out" || fail "restart: output differs from a plain run"
expect_out "^run 2$"
ward_run -- "$TMP/coro_churn" named 3000
expect_rc 23
expect_report double-free
expect_err "^allocated by thread T0 \(main\), coroutine 7 \(req\) at:$"
# Leaks from several coroutines of one thread are one report, which says
# so, live and read back from a trace.
ward_run --trace="$TMP/leaky.wtr" -- "$TMP/coro_churn" leaky 50
expect_rc 23
expect_report leak
expect_err "^allocated by thread T0 \(main\), coroutine [0-9]+ and other coroutines at:$"
run "$WARD" report "$TMP/leaky.wtr"
expect_out "^allocated by thread T0 \(main\), coroutine [0-9]+ and other coroutines at:$"
ward_run -- "$TMP/coro_churn" longjmp
expect_rc 23
expect_report double-free
expect_err "double-free on 0x[0-9a-f]+ \(free\) in thread T0 \(main\)$"
expect_err "^allocated by thread T0 \(main\) at:$"
pass
