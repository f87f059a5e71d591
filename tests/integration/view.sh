#!/bin/bash
# ward view: what a user sees. Most checks press keys headless (--keys ...
# --dump prints the screen); the rest drive the real program in tmux: the
# peak, an owner's bytes, an error's stack, the help, a resize, q and
# Ctrl-C leaving the terminal sane, NO_COLOR, a truncated trace, bad
# input, and the index beside the trace (written once, rebuilt when
# stale, never through a symbolic link, kept in memory when it cannot be
# written).
. "$(dirname "$0")/../lib.sh"
export LC_ALL=C             # ASCII screens; one check below is in UTF-8
cd "$TMP"
build view_cases
cc -g -O0 -w -I"$ROOT/lib" -o "$TMP/sched" "$ROOT/docs/examples/coro_scheduler.c" \
    || fail "cannot compile the scheduler"
ward_run --trace=v.wtr -- "$TMP/view_cases"
expect_rc 23
ward_run --trace=s.wtr -- "$TMP/sched" held-across-yield
expect_rc 23

# view KEYS [options...]: the screen after the keys, in $TMP/out
view() {
    local keys=$1; shift
    run "$WARD" view --keys "$keys" --dump "$@"
}
screen_has() { grep -qE -- "$1" "$TMP/out" || { cat "$TMP/out" >&2; fail "screen lacks /$1/"; }; }
screen_lacks() { ! grep -qE -- "$1" "$TMP/out" || { cat "$TMP/out" >&2; fail "screen has /$1/"; }; }

# The index: written beside the trace on first open, private, then read.
view "" v.wtr
expect_rc 0
screen_has "index written to v.wtr.idx"
[ "$(stat -c %a v.wtr.idx)" = 600 ] || fail "the index is not private"
view "" v.wtr
screen_has "index read from v.wtr.idx"
[ "$(wc -l < "$TMP/out")" -eq 24 ] || fail "the screen is not 24 lines"
awk 'length > 80 { exit 1 }' "$TMP/out" || fail "a line is wider than 80 columns"
screen_has "^ ward view: .*view_cases \(pid [0-9]+\) +complete$"

# The peak, and each owner's bytes there.
view p v.wtr
screen_has "^ at .*: 19.5 KiB in 16 blocks"
screen_has "peak 19.5 KiB"
screen_has "^.parser +10000 +10 +10000 +10$"
screen_has "^.cache +10000 +5 +10000 +5$"
screen_has "the peak: 19.5 KiB in 16 blocks"
# At the end, the owners are what ward report says.
view G v.wtr
awk '/^ owner /{on=1; next} on && /^.[a-z]/ {print $1, $2, $3, $4, $5} on && /^$/ {exit}' \
    "$TMP/out" | sed 's/^>//' | sort > view.owners
run "$WARD" report v.wtr
awk '/^owners:/{on=1; getline; next} on && /^  [a-z]/ {print $1, $2, $3, $4, $5} on && /^$/ {exit}' \
    "$TMP/out" | sort > report.owners
[ -s view.owners ] && cmp -s view.owners report.owners \
    || { diff view.owners report.owners >&2; fail "owners differ from ward report's"; }

# The sites tree at the peak: parse() holds parser's 10000 bytes.
view p2 v.wtr
screen_has "^. +20016 +16 100.0% - all live blocks"
screen_has " +10000 +10 +50.0% +. parse view_cases.c:[0-9]+$"
# The pinned block: pinned long after it was allocated, by parse().
view 3 v.wtr
screen_has "no pinned block"
view G3 v.wtr
screen_has "^>0x[0-9a-f]+ +1000 cache +parse view_cases.c:[0-9]+ +ward_pin"

# Errors: the list, the full report with its stacks, the jump.
view 4 v.wtr
screen_has "^> +[0-9.]+[mu]?s +double-free +T0 \(main\) +release view_cases.c"
view "4<Enter>" v.wtr --size 100x40
screen_has "ERROR: double-free on 0x[0-9a-f]+ \(free\) in thread T0 \(main\)"
screen_has "#0 0x[0-9a-f]+ in release .*view_cases.c:[0-9]+"
screen_has "#1 0x[0-9a-f]+ in main .*view_cases.c:[0-9]+"
screen_has "#0 0x[0-9a-f]+ in parse .*view_cases.c:[0-9]+"
screen_has "SUMMARY: double-free in release"
view e v.wtr
screen_has "error 1 of 1: double-free at"
view "e5" v.wtr --size 100x30
screen_has "^> *[0-9]+ .* ERROR "
view "e5<Enter>" v.wtr --size 100x30
screen_has "in release "
# The report is the one ward report prints, line for line.
view "4<Enter>" s.wtr --size 200x60
grep -E "ERROR|SUMMARY|^    #|suspended" "$TMP/out" > view.lines
run "$WARD" report s.wtr
grep -E "ERROR|SUMMARY|^    #|suspended" "$TMP/out" > report.lines
cmp -s view.lines report.lines || { diff view.lines report.lines >&2; fail "report differs"; }

# Stepping, seeking, playing.
view "5<Right><Right><Right>" v.wtr
screen_has "#3/"
view "5<Right><Right><Right><Left>" v.wtr
screen_has "#2/"
view "5<Down><Down><Up>" v.wtr
screen_has "#1/"
view "t#1000<Enter>" v.wtr
screen_has "#1,000/"
# To a time: every event at or before it, none after.
view "t#5000<Enter>5" v.wtr
ns=$(sed -n 's/^event 5000 at .* (\([0-9]*\) ns).*/\1/p' "$TMP/out")
[ -n "$ns" ] || { cat "$TMP/out"; fail "no time for event 5000"; }
view "t${ns}ns<Enter>5" v.wtr
at=$(sed -n 's/^event \([0-9]*\) at .* (\([0-9]*\) ns).*/\1 \2/p' "$TMP/out")
[ "${at% *}" -ge 5000 ] && [ "${at#* }" -le "$ns" ] || fail "seeking to ${ns}ns went to $at"
view "t${ns}ns<Enter>5<Right>" v.wtr
at=$(sed -n 's/^event \([0-9]*\) at .* (\([0-9]*\) ns).*/\1 \2/p' "$TMP/out")
[ "${at#* }" -gt "$ns" ] || fail "an event after ${ns}ns was left out: $at"
view "t100%<Enter>" v.wtr
screen_has "#11,0[0-9][0-9]/11,0[0-9][0-9]  "
view "t0%<Enter>" v.wtr
screen_has "#0/"
view "t1h<Enter>" v.wtr
screen_has "cannot seek to \"1h\""
# Past the end is the end, however far; signs, infinities and NaN are no
# times.
view "t99999999999s<Enter>" v.wtr
screen_has "#11,0[0-9][0-9]/11,0[0-9][0-9]  "
for bad in "#-1" "-1s" "inf" "nan"; do
    view "t$bad<Enter>" v.wtr
    screen_has "cannot seek to"
done
view "<Space><tick><tick>" v.wtr
screen_has "#10/"
view "++<Space><tick>" v.wtr
screen_has "#500/"
view "G<Space>" v.wtr
screen_has "#0/"

# Search: an owner in Heap, a function in Sites and among the events.
view "p/cache<Enter>" v.wtr
screen_has "^>cache +10000"
view "p2c/parse<Enter>" v.wtr
screen_has "^> +10000 +10 .* parse view_cases.c"
view "5/release<Enter>" v.wtr
screen_has "in release .*view_cases.c"
view "5/nosuchthing<Enter>" v.wtr
screen_has "\"nosuchthing\" not found in Events"

# The help lists every key, and docs/viewer.md has each of them.
view "?" v.wtr --size 100x70
screen_has "ward view: keys"
screen_has "^Everywhere:$"
awk '/^(Everywhere|Heap|Sites|Pinned|Errors|Events):$/ {on=1; next}
     on && /^  [^ ]/ {sub(/^  /, ""); sub(/  +.*/, ""); print}' "$TMP/out" > keys
[ "$(wc -l < keys)" -ge 20 ] || fail "the help lists too few keys"
while read -r k; do
    grep -qF "| \`$k\` |" "$ROOT/docs/viewer.md" || fail "docs/viewer.md lacks the key '$k'"
done < keys
view "?<Esc>" v.wtr
screen_lacks "ward view: keys"

# Resizing, headless; the mouse.
view "<resize:120x40>" v.wtr
[ "$(wc -l < "$TMP/out")" -eq 40 ] || fail "a resize did not give 40 lines"
head -1 "$TMP/out" | awk '{ exit length == 119 ? 0 : 1 }' || fail "the title is not as wide as the screen"
view "<click:60,3>" v.wtr
screen_lacks "#0/"
view "<click:30,7>" v.wtr
screen_has "^   +time +kind"

# UTF-8 where the locale has it; ASCII when asked.
LC_ALL=C.UTF-8 run "$WARD" view --dump v.wtr
grep -q "█" "$TMP/out" || fail "no block characters in a UTF-8 locale"
LC_ALL=C.UTF-8 run "$WARD" view --ascii --dump v.wtr
! grep -q "█" "$TMP/out" || fail "block characters with --ascii"

# The index against a full replay, with checkpoints every few events.
run "$WARD" view --check --interval 50 --no-save-index v.wtr
expect_rc 0
expect_out "all equal"
run "$WARD" view --check --interval 7 --no-save-index s.wtr
expect_rc 0
expect_out "all equal"

# A changed trace is indexed again; a link where the index goes is
# replaced, never followed.
touch -d '2001-01-01' v.wtr
view "" v.wtr
screen_has "index rebuilt in v.wtr.idx"
echo precious > victim
rm v.wtr.idx && ln -s victim v.wtr.idx
view "" v.wtr
screen_has "index written to v.wtr.idx"
[ "$(cat victim)" = precious ] || fail "wrote through a symbolic link"
[ -f v.wtr.idx ] && [ ! -L v.wtr.idx ] || fail "the index is not a file of its own"
# Cannot be written: kept in memory, and the status line says so.
mkdir ro && cp v.wtr ro/ && mkdir ro/v.wtr.idx
[ "$(id -u)" -eq 0 ] || chmod 555 ro
view "" ro/v.wtr
screen_has "index kept in memory: cannot write ro/v.wtr.idx"
screen_has "\[index in memory\] *$"
view "p" ro/v.wtr
screen_has "\[index in memory\] *$"
chmod 755 ro

# Truncated: says so, and shows what there is.
head -c $(( $(stat -c %s v.wtr) * 2 / 3 )) v.wtr > cut.wtr
view "" cut.wtr
expect_rc 0
screen_has "TRUNCATED$"
screen_has "TRUNCATED: the trace is cut short"
view "G" cut.wtr
screen_has "TRUNCATED$"

# Still being written: opens, and says so.
build trace_cases
("$WARD" run --trace=live.wtr -- "$TMP/trace_cases" forever > live.out 2>&1 &
 echo $! > live.pid; wait) 2>/dev/null &
for _ in $(seq 50); do [ -s live.pid ] && break; sleep 0.1; done
pid=$(cat live.pid)
for _ in $(seq 50); do grep -q running live.out && break; sleep 0.1; done
sleep 1.5                   # the writer writes a chunk at least every second
view "" live.wtr
expect_rc 0
screen_has "TRUNCATED$"
screen_has "TRUNCATED: the trace has no end record"
view "G" live.wtr
kill -9 "$pid"
wait 2>/dev/null
expect_rc 0
screen_has "^.main +[0-9]+ +[12] +[0-9]+ +[0-9]{3,}$"

# Bad input: one line, exit 1, no screen.
head -c 1000 /dev/urandom > junk.wtr
run "$WARD" view --dump junk.wtr
expect_rc 1
[ "$(wc -l < "$TMP/err")" -eq 1 ] && [ ! -s "$TMP/out" ] || fail "not a one-line error"
expect_err "is not a readable ward trace"
run "$WARD" view missing.wtr
expect_rc 1
expect_err "cannot read trace 'missing.wtr'"
run "$WARD" view --keys "<nope>" --dump v.wtr
expect_rc 2
expect_err "unknown key <nope>"

# ---- a real terminal: tmux ----
command -v tmux >/dev/null || fail "tmux is needed for the terminal tests (scripts/install-deps.sh)"
# Each start gets a server of its own: a new session on a server still
# shutting down can fail.
N=0
tm() { tmux -L "wardview$$.$N" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
# wait_for PATTERN: until the screen shows it (10 s at most)
wait_for() {
    for _ in $(seq 100); do
        tm capture-pane -p -t 0 > screen 2>/dev/null
        grep -qE -- "$1" screen && return 0
        sleep 0.1
    done
    cat screen >&2
    fail "the terminal never showed /$1/"
}
# start CMD: runs it in a fresh 80x24 terminal, then prints its status
# and the terminal's modes.
start() {
    tm kill-server 2>/dev/null
    N=$((N + 1))
    rm -f stty.out
    tm new-session -d -x 80 -y 24 \
        "cd '$TMP' && $*; echo \"EXITED rc=\$?\"; stty -a > stty.out; sleep 60"
}
# sane: the terminal's modes after the program (the shell writes them
# just after the EXITED line that wait_for saw: give it a moment).
sane() {
    for _ in $(seq 50); do [ -s stty.out ] && break; sleep 0.1; done
    [ -s stty.out ] || fail "no stty output"
    grep -qE '(^| )icanon( |$)' stty.out && grep -qE '(^| )echo( |$)' stty.out \
        || { cat stty.out >&2; fail "the terminal was left in raw mode"; }
}

start "'$WARD' view v.wtr"
wait_for "ward view: .*complete"
wait_for "paused"
tm send-keys -t 0 p
wait_for "^.parser +10000 +10 "
wait_for "peak 19.5 KiB"
tm send-keys -t 0 4 Enter
wait_for "#0 0x[0-9a-f]+ in release"
tm send-keys -t 0 Escape '?'
wait_for "ward view: keys"
tm send-keys -t 0 Escape
wait_for "1 Heap"
tm resize-window -t 0 -x 100 -y 30
wait_for "^ ward view: .{60,} complete$"
tm capture-pane -p -t 0 > screen
[ "$(wc -l < screen)" -eq 30 ] || fail "the screen did not follow the resize"
grep -qE "^ . paused .*peak 19.5 KiB" screen || { cat screen >&2; fail "no status line after a resize"; }
tm send-keys -t 0 q
wait_for "EXITED rc=0"
sane

# Ctrl-C quits too, and NO_COLOR is honoured.
start "NO_COLOR=1 '$WARD' view v.wtr"
wait_for "paused"
tm capture-pane -p -e -t 0 > colours
! grep -qE $'\e\\[([0-9;]*;)?3[1-7](;[0-9;]*)?m' colours || fail "colours despite NO_COLOR"
tm send-keys -t 0 C-c
wait_for "EXITED rc=130"
sane
start "'$WARD' view v.wtr"
wait_for "paused"
tm capture-pane -p -e -t 0 > colours
grep -qE $'\e\\[([0-9;]*;)?3[1-7](;[0-9;]*)?m' colours || fail "no colours without NO_COLOR"
tm send-keys -t 0 q
wait_for "EXITED rc=0"

# A bad trace: the error, and the terminal as it was.
start "'$WARD' view junk.wtr"
wait_for "EXITED rc=1"
grep -q "is not a readable ward trace" screen || fail "no error line in the terminal"
sane
# Owners named with accents keep the columns after them in place (the
# screen counts characters, not bytes).
cat > "$TMP/accents.c" <<'C'
#include <stdlib.h>
#include <ward.h>
int main(void)
{
    ward_owner_push("plain-ascii"); void *a = malloc(300); ward_owner_pop();
    ward_owner_push("\xc3\xa9quipe-r\xc3\xa9seau"); void *b = malloc(100); ward_owner_pop();
    free(a);
    free(b);
    return 0;
}
C
cc -I"$ROOT/lib" -o "$TMP/accents" "$TMP/accents.c" || fail "cannot build"
"$WARD" run --trace=acc.wtr -- "$TMP/accents" || fail "the program failed"
view "G" acc.wtr
python3 - "$TMP/out" <<'PY' || fail "an accented owner shifted its row's columns"
import sys
rows = [l.rstrip() for l in open(sys.argv[1], encoding="utf-8") if "plain-ascii" in l or "quipe" in l]
assert len(rows) == 2 and len(rows[0]) == len(rows[1]), rows
PY
pass
