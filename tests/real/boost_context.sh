#!/bin/bash
# boost.context (Debian's libboost-context-dev) switches fibers with its
# own assembly (make_fcontext, jump_fcontext), not ucontext. Under ward a
# clean run behaves as without it; a pointer held across a yield to a
# block main freed meanwhile is explained in coroutine terms; running off
# a fiber's malloc'd stack is a stack-overflow of that coroutine.
. "$(dirname "$0")/../lib.sh"
[ -e /usr/include/boost/context/fiber.hpp ] ||
    fail "boost.context is not installed (Debian package libboost-context-dev)"
build boost_fiber -O1 -lboost_context
same_as_plain "$TMP/boost_fiber"
expect_out "^sum 124500, 1000 strings$"
same_as_plain "$TMP/boost_fiber" protected
expect_out "^sum 124500, 1000 strings$"

ward_run -- "$TMP/boost_fiber" held
expect_rc 23
expect_report use-after-free
expect_err "\\(write found when coroutine 1 yielded\\) in thread T0 \\(main\\), coroutine 1$"
expect_err "^coroutine 1 was suspended when thread T0 freed the block; it had yielded at:$"
expect_frame "^freed by thread T0 \\(main\\) at:" main
expect_out "^sum 124500, 1000 strings$"

ward_run -- "$TMP/boost_fiber" deep 1000
expect_rc 23
expect_report stack-overflow
expect_err "in thread T0 \\(main\\), coroutine 1$"
expect_err "^coroutine 1 ran off its [0-9]+-byte stack"
expect_frame "ERROR: stack-overflow" "deep(int)"

# boost's protected stacks are mmap'd with a guard page of boost's own at
# the bottom: running into it is the same stack-overflow.
ward_run -- "$TMP/boost_fiber" deep-protected 1000
expect_rc 23
expect_report stack-overflow
expect_err "is on the stack of coroutine 1$"
expect_err "^coroutine 1 ran off its [0-9]+-byte stack .*in a guard page at its bottom$"

# Fibers made and dropped one after the other, and 40,000 alive at once:
# as without ward (each has a guard page; past a share of the kernel's
# mapping budget they are guard markers, which split no mapping).
same_as_plain "$TMP/boost_fiber" loop 5000
expect_out "^loop 1300000$"
same_as_plain "$TMP/boost_fiber" many 40000
expect_out "^many 6060000$"

# A fiber ends when boost frees its stack: its leak is reported then.
ward_run --coro_leaks=1 --stats=1 -- "$TMP/boost_fiber" leak
expect_rc 23
expect_err "coroutine 1 finished without freeing blocks that nothing points to any more"
expect_err "^  coroutine 1 +finished "
expect_err "^allocated by thread T0 \\(main\\), coroutine 1 at:$"
expect_err "^    #0 0x[0-9a-f]+ in lose\\(unsigned long\\) "

# Fibers end also when their stack goes back to a pool (reused, never
# freed) or is unmapped (protected stacks), and on several threads at once:
# one leak report per fiber.
ward_run --coro_leaks=1 -- "$TMP/boost_fiber" leak-pool 20
expect_rc 23
expect_out "^pool fibers 20$"
[ "$(grep -c 'finished without freeing' "$TMP/err")" -eq 20 ] ||
    fail "not every fiber on a pooled stack was seen to finish"
ward_run --stats=1 -- "$TMP/boost_fiber" protected
expect_rc 0
expect_err "^  coroutine 1 +finished "
ward_run --coro_leaks=1 -- "$TMP/boost_fiber" leak-threads 4 50
expect_rc 23
expect_out "^thread fibers 200$"
[ "$(grep -c '^==[0-9]*== ward: ERROR: leak of 33 bytes in 1 block' "$TMP/err")" -eq 200 ] ||
    fail "fibers ending on four threads did not get one leak report each"

# Resumed on another thread, the fiber that writes a block freed on the
# main thread is the one named, when it yields there.
ward_run -- "$TMP/boost_fiber" migrate
expect_rc 23
expect_report use-after-free
expect_err "\\(write found when coroutine 1 yielded\\) in thread T1, coroutine 1$"
expect_err "^coroutine 1 was suspended when coroutine 2 freed the block"
expect_out "^migrated$"
pass
