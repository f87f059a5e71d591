#!/bin/bash
# Every option ward accepts is documented in the user guide and the man
# page, and every report kind in both.
. "$(dirname "$0")/../lib.sh"
run "$WARD" run --help
expect_rc 0
opts=$(awk '/^options:/ {on = 1; next} on && /^  [a-z_]+/ {print $1}' "$TMP/out")
[ -n "$opts" ] || fail "ward run --help lists no options"
for o in $opts; do
    grep -q "| \`$o\` |" "$ROOT/docs/user-guide.md" || fail "docs/user-guide.md lacks option $o"
    grep -q "^\.BI $o=" "$ROOT/docs/ward.1" || fail "docs/ward.1 lacks option $o"
done
for k in double-free invalid-free use-after-free heap-buffer-overflow heap-buffer-underflow \
         leak pinned-move moved-self-reference stack-overflow alloc-dealloc-mismatch \
         new-delete-type-mismatch; do
    grep -q "$k" "$ROOT/docs/user-guide.md" || fail "user guide lacks $k"
    grep -q "$(echo $k | sed 's/-/\\\\-/g')" "$ROOT/docs/ward.1" || fail "man page lacks $k"
done
pass
