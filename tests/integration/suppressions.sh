#!/bin/bash
# suppressions=FILE, in LeakSanitizer's format: a rule KIND:PATTERN hides
# the reports of that kind with a frame whose function, file or module
# matches; they do not count as errors, and the rules used are listed.
. "$(dirname "$0")/../lib.sh"
build leaky
build double_free

# One leak site by function name (an inline frame of the stack counts):
# the other leaks are still reported.
printf '# known\nleak:lose_string\n\n' > "$TMP/one.supp"
ward_run --suppressions="$TMP/one.supp" -- "$TMP/leaky"
expect_rc 23
expect_no_err "leak of 68 bytes"
expect_report "leak of 48 bytes in 1 block,"
expect_err "SUMMARY: 144 bytes leaked in 3 blocks \(2 reports\)"
expect_err "suppressions used:"
expect_err "^  1 +68 +leak:lose_string$"

# Every leak, by source file: nothing left, so the status is the program's.
printf 'leak:*tests/progs/leaky.c$\nleak:strdup\n' > "$TMP/all.supp"
ward_run --suppressions="$TMP/all.supp" -- "$TMP/leaky"
expect_rc 0
expect_no_report
expect_err '^  2 +144 +leak:\*tests/progs/leaky\.c\$$'

# Anchors: ^ and $ bind to the start and end of a name.
printf 'leak:^ose_string\nleak:make_lis$\n' > "$TMP/anchored.supp"
ward_run --suppressions="$TMP/anchored.supp" -- "$TMP/leaky"
expect_rc 23
expect_report "leak of 68 bytes in 4 blocks,"
expect_report "leak of 48 bytes in 1 block,"
expect_no_err "suppressions used:"

# Other kinds: by the stack of the bad operation. A rule of another kind
# does not apply.
printf 'leak:^main$\n' > "$TMP/kind.supp"
ward_run --suppressions="$TMP/kind.supp" -- "$TMP/double_free"
expect_rc 23
expect_report double-free
printf 'double-free:^main$\n' > "$TMP/df.supp"
WARD_OPTIONS=suppressions=$TMP/df.supp ward_run -- "$TMP/double_free"
expect_rc 0
expect_no_report
expect_err '^  1 +0 +double-free:\^main\$$'

# A fault cannot be gone past: in guard mode it is shown whatever the rules.
build bad_access
printf 'heap-buffer-overflow:read_past_end\n' > "$TMP/fault.supp"
ward_run --guard=all --suppressions="$TMP/fault.supp" -- "$TMP/bad_access" read-overflow 32
expect_rc 23
expect_report heap-buffer-overflow
# Found after the fact (a redzone checked at free), it is suppressed.
printf 'heap-buffer-overflow:^main$\n' > "$TMP/redzone.supp"
ward_run --suppressions="$TMP/redzone.supp" -- "$TMP/bad_access" overflow 32
expect_no_report
expect_err "heap-buffer-overflow:\\^main"

# The same error again from the same place stays suppressed, uncounted.
build bad_free_loop
printf 'invalid-free:release\n' > "$TMP/loop.supp"
ward_run --suppressions="$TMP/loop.supp" -- "$TMP/bad_free_loop"
expect_rc 0
expect_no_report
expect_err "^  5 +0 +invalid-free:release$"
ward_run -- "$TMP/bad_free_loop"
expect_rc 23
[ "$(grep -c 'ERROR: invalid-free' "$TMP/err")" -eq 1 ] || fail "the repeated error was printed more than once"

# A relative path is made absolute for children that change directory; a
# byte-order mark at the start of the file is skipped.
mkdir -p "$TMP/rel/sub"
printf '\xef\xbb\xbfleak:lose_string\nleak:make_list\nleak:strdup\n' > "$TMP/rel/bom.supp"
run sh -c 'cd "$1" && exec "$2" run --suppressions=bom.supp -- sh -c "cd sub && exec $3"' \
    sh "$TMP/rel" "$WARD" "$TMP/leaky"
expect_rc 0
expect_no_report
expect_no_err "cannot be read"
expect_err "suppressions used:"

# A directory is not a suppressions file.
ward_run --suppressions="$TMP" -- true
expect_rc 2
expect_err "is not a regular file"

# A bad file: one line naming it and the line, and the program does not run.
printf 'leak:x\nleek:y\n' > "$TMP/bad.supp"
ward_run --suppressions="$TMP/bad.supp" -- touch "$TMP/ran"
expect_rc 2
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "error is not one line"
expect_err "suppressions file '.*bad.supp', line 2: unknown kind"
[ ! -e "$TMP/ran" ] || fail "the program ran despite a bad suppressions file"
ward_run --suppressions="$TMP/missing.supp" -- true
expect_rc 2
expect_err "suppressions file '.*missing.supp': cannot be read"
pass
