#!/bin/bash
# git init/add/commit/log in a temporary repository behaves the same under ward.
. "$(dirname "$0")/../lib.sh"
command -v git >/dev/null || fail "git is not installed"
export GIT_AUTHOR_NAME=ward GIT_AUTHOR_EMAIL=ward@example.org
export GIT_COMMITTER_NAME=ward GIT_COMMITTER_EMAIL=ward@example.org
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export HOME=$TMP GIT_CONFIG_NOSYSTEM=1
for side in plain ward guard; do
    mkdir -p "$TMP/$side" && cd "$TMP/$side"
    for i in $(seq 1 200); do echo "line $i of file $((i % 20))" >> "f$((i % 20)).txt"; done
    cd "$ROOT"
done
git_all() {
    git init -q -b main . && git add . && git commit -qm "first commit" &&
    echo more >> f1.txt && git commit -qam second && git log --stat --format='%H %s'
}
cd "$TMP/plain" && run bash -c "$(declare -f git_all); git_all"
plain_rc=$RC; cp "$TMP/out" "$TMP/plain.out"
for mode in ward guard; do
    opts=leaks=0
    [ $mode = guard ] && opts=leaks=0:guard=all
    cd "$TMP/$mode" && WARD_OPTIONS=$opts run "$WARD" run -- bash -c "$(declare -f git_all); git_all"
    cd "$ROOT"
    [ "$RC" -eq "$plain_rc" ] && [ "$RC" -eq 0 ] || fail "git failed under ward $opts (status $RC)"
    cmp -s "$TMP/out" "$TMP/plain.out" || fail "git log differs under ward $opts"
    expect_no_err "ward: ERROR"
    expect_out "second"
done
pass
