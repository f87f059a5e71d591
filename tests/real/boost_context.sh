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
pass
