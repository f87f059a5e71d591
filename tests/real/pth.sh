#!/bin/bash
# GNU Pth (Debian's libpth) runs its threads as ucontext coroutines that
# switch through a scheduler coroutine, with a canary at the bottom of each
# stack. Under ward a clean run behaves as without it, and a block freed
# while the consumer was suspended, then written by it, is explained in
# coroutine terms.
. "$(dirname "$0")/../lib.sh"
[ -e /usr/include/pth.h ] || fail "GNU Pth is not installed (Debian package libpth-dev)"
build pth_pipe -lpth
same_as_plain "$TMP/pth_pipe"
expect_out "^consumed 100$"
ward_run -- "$TMP/pth_pipe" held-across-yield
expect_rc 23
expect_report use-after-free
expect_err "\\(write found when coroutine [0-9]+ yielded\\)"
expect_err "^coroutine [0-9]+ was suspended when coroutine [0-9]+ freed the block; it had yielded at:$"
expect_frame "was suspended when" consumer
expect_frame "^freed by thread T0 \\(main\\), coroutine [0-9]+ at:" producer
pass
