#!/bin/bash
# Programs started by the program under ward run are checked too, and the
# error status travels back through the parent.
. "$(dirname "$0")/../lib.sh"
build double_free
build threads_clean
cat > "$TMP/script.sh" <<SH
"$TMP/threads_clean" > /dev/null || exit 5
"$TMP/double_free"
echo "child exited \$?"
SH
ward_run -- bash "$TMP/script.sh"
expect_rc 0
expect_out "child exited 23"
expect_report double-free
expect_frame "^freed by" drop_name
pass
