#!/bin/bash
# Traces: standard zstd frames; ward report reproduces the run's reports
# and sums it up as text and JSON; threads, fork and owners are recorded; a
# trace cut short is read up to its last frame and says so; bad input is a
# one-line error; an existing file is never overwritten.
. "$(dirname "$0")/../lib.sh"
src=$ROOT/docs/examples/coro_scheduler.c
cc -g -O0 -w -I"$ROOT/lib" -o "$TMP/sched" "$src" || fail "cannot compile $src"
cd "$TMP"

ward_run --trace=t.%p.wtr -- "$TMP/sched" held-across-yield
expect_rc 23
cp "$TMP/err" "$TMP/run.err"
trace=$(ls t.*.wtr)
[ "$(stat -c %a "$trace")" = 600 ] || fail "trace is not private"
zstd -tq "$trace" || fail "zstd -t rejects the trace"
[ "$(zstd -dcq "$trace" | head -c 4)" = WTRC ] || fail "no WTRC chunk inside"

run "$WARD" report "$trace"
expect_rc 0
expect_out "^program: .*sched held-across-yield"
expect_out "^duration: .*, complete$"
expect_out "^allocated: +1004 blocks"
expect_out "^errors: 1$"
expect_out "^  producer +0 +0 +44 +1000$"
expect_out "^  1 \(producer\) +T0 "
# The trace alone reproduces the report, line for line.
grep -E "ERROR|SUMMARY|^    #|suspended|inside" "$TMP/run.err" > run.lines
grep -E "ERROR|SUMMARY|^    #|suspended|inside" "$TMP/out" > report.lines
cmp -s run.lines report.lines || { diff run.lines report.lines | head; fail "report differs from the run"; }

run "$WARD" report --json "$trace"
expect_rc 0
python3 - "$TMP/out" <<'PY' || fail "JSON is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["complete"] and d["truncated"] is None
assert d["allocations"] == 1004 and d["frees"] == 1003
assert d["errors"][0]["kind"] == "use-after-free"
assert d["errors"][0]["coroutine"] == 2
assert d["errors"][0]["stack"][0]["function"] == "yield"
assert d["sites"]["by_calls"][0]["calls"] == 1000
assert any(o["name"] == "producer" and o["allocations"] == 1000 for o in d["owners"])
assert any(c["name"] == "producer" for c in d["coroutines"])
PY

# --trace alone names the file after the program and the pid.
ward_run --trace --leaks=0 -- "$TMP/sched"
ls ward.sched.*.wtr >/dev/null 2>&1 || { ls; cat "$TMP/err"; fail "--trace alone wrote no ward.sched.PID.wtr"; }

# A relative path is where ward run started, even for a program (and its
# children) that change directory before they first write.
mkdir -p elsewhere
ward_run --trace=cd.%p.wtr --leaks=0 -- sh -c 'cd elsewhere && "$0" && "$0"' "$TMP/sched"
expect_rc 0
[ "$(ls cd.*.wtr 2>/dev/null | wc -l)" -ge 3 ] || { ls . elsewhere; fail "traces of a program that changed directory are not where ward run started"; }
[ -z "$(ls elsewhere)" ] || fail "a trace was written where the program went: $(ls elsewhere)"

# Threads and owners.
build trace_cases
ward_run --trace=th.wtr -- "$TMP/trace_cases" threads
expect_rc 0
run "$WARD" report th.wtr
expect_out "^allocated: +40[0-9][0-9] blocks"            # and glibc's few per thread
expect_out "^at the end: .* in [0-9] blocks not freed"
# A signal handler that allocates while the thread writes a record from
# outside the allocator (an owner push) does not write into its middle.
ward_run --trace=nest.wtr --leaks=0 -- "$TMP/trace_cases" nest
expect_rc 0
expect_out "^handled some$"
run "$WARD" report nest.wtr
expect_rc 0
expect_out "complete$"
# Records of a single thread may share a clock read (trace_write.c), but
# never one older than a few microseconds: times after a sleep move on.
ward_run --trace=clock.wtr --leaks=0 -- "$TMP/trace_cases" clock
run "$WARD" report --json clock.wtr
python3 - "$TMP/out" <<'PY' || fail "times in a one-thread trace are stale"
import json, sys
d = json.load(open(sys.argv[1]))
peak, err = d["peak"]["time_ns"], d["errors"][0]["time_ns"]
assert d["errors"][0]["kind"] == "double-free", d["errors"][0]["kind"]
assert peak >= 50e6, peak
assert err - peak >= 50e6, (peak, err)
PY
ward_run --trace=api.wtr --leaks=0 -- "$TMP/trace_cases" api
run "$WARD" report api.wtr
expect_out "^pinned blocks live at the end: 1$"
# Resized in place, the pinned block is still its allocation site's.
sed -n '/never freed/,/^$/p' "$TMP/out" > never.txt
grep -qE "^ +120 +1 +ward_malloc_pinned " never.txt || fail "the pinned block left its site"
expect_out "^  session +0 +0 +300 +0$"
expect_out "^  cache +0 +0 +300 +1$"

# Names that are not UTF-8 (a thread name cut inside a character, an owner
# string of any bytes) still make valid JSON.
ward_run --trace=n.wtr -- "$TMP/trace_cases" names
"$WARD" report --json n.wtr > n.json
python3 - n.json <<'PY' || fail "report --json wrote invalid JSON for odd names"
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
assert any(o["name"].startswith("bad\ufffd\x01name") for o in d["owners"]), d["owners"]
PY

# A report read from the trace names the thread as it was named then.
ward_run --trace=rn.wtr -- "$TMP/trace_cases" rename
expect_rc 23
run "$WARD" report rn.wtr
expect_out "ERROR: double-free on 0x[0-9a-f]+ \(free\) in thread T0 \(first\)"

# A forked child writes its own file.
ward_run --trace=f.%p.wtr -- "$TMP/trace_cases" fork
child=$(sed -n 's/^child //p' "$TMP/out")
[ -s "f.$child.wtr" ] || fail "the child wrote no trace"
run "$WARD" report "f.$child.wtr"
expect_out "^allocated: +100 blocks"

# exec: what was buffered is written and the trace ends there; a failed
# exec changes nothing. The new image writes a file of its own.
ward_run --trace=x.%p.wtr -- "$TMP/trace_cases" exec
expect_rc 0
first=$(ls x.*.wtr | grep -Ev '^x\.[0-9]+\.[0-9]+\.wtr$')
[ -n "$first" ] || fail "no trace before exec"
run "$WARD" report "$first"
expect_rc 0
expect_out "^allocated: +15[0-9] blocks"
expect_out "events, complete$"
run "$WARD" report "${first%.wtr}.1.wtr"
expect_out "^program: +true "

# A forked child that execs at once records nothing of its own: it leaves
# no file, only the image it runs does, even when what it inherited (the
# parent's 8192 stacks) fills more than a chunk.
mkdir sp
ward_run --leaks=0 --trace=sp/t.%p.wtr -- "$TMP/trace_cases" spawn
expect_rc 0
[ "$(ls sp | wc -l)" -eq 21 ] || fail "$(ls sp | wc -l) trace files for 1 process and 20 images of true"
for f in sp/*.wtr; do
    run "$WARD" report "$f"
    expect_rc 0
    expect_out "events, complete$"
done

# A forked child that inherits more than the writer's queue holds, and
# records nothing for over a second, neither waits for room for ever nor
# loses its file.
mkdir ic
run timeout 120 "$WARD" run --leaks=0 --trace=ic/t.%p.wtr -- "$TMP/trace_cases" idle-child
expect_rc 0
expect_out "^child exited 0$"
[ "$(ls ic | wc -l)" -eq 2 ] || fail "$(ls ic | wc -l) trace files for a parent and its child"
for f in ic/*.wtr; do
    run "$WARD" report "$f"
    expect_out "events, complete$"
done

# With a fixed name, a shell that execs the real program leaves the name
# to it.
printf '#!/bin/sh\nexec "%s" threads\n' "$TMP/trace_cases" > wrap.sh
chmod +x wrap.sh
ward_run --trace=w.wtr -- ./wrap.sh
run "$WARD" report w.wtr
expect_out "^program: +.*trace_cases threads"

# A fixed name is the traced program's: the shell system() starts, and
# what that shell runs, write files of their own, with their pids.
ward_run --trace=s.wtr -- "$TMP/trace_cases" system
expect_rc 0
run "$WARD" report s.wtr
expect_out "^program: +.*trace_cases system"
expect_out "^allocated: +1[0-9] blocks"
ls s.wtr.[0-9]* > /dev/null 2>&1 || fail "the shell wrote no file of its own"

# A plugin loaded by a relative path and unloaded before the end: its
# frames are still named.
build dl_host -ldl
cc -g -O0 -shared -fPIC -o dl_plugin.so "$ROOT/tests/progs/dl_plugin.c" || fail "cannot build the plugin"
ward_run --trace=dl.wtr --leaks=0 -- "$TMP/dl_host" ./dl_plugin.so close
run "$WARD" report dl.wtr
expect_out "plugin_make dl_plugin.c:[0-9]+ <- main"

# run_and_kill TRACE MODE: trace_cases MODE, killed once it has said
# "running" and waited more than the second a buffer may be held.
run_and_kill() {
    "$WARD" run --trace="$1" -- "$TMP/trace_cases" "$2" > "$1.out" &
    local pid=$!
    for _ in $(seq 50); do grep -q running "$1.out" && break; sleep 0.1; done
    sleep 1.6
    kill -9 $pid
    wait $pid 2>/dev/null
}

# Killed: readable up to its last frame, and says so.
run_and_kill k.wtr forever
run "$WARD" report k.wtr
expect_rc 0
expect_out "TRUNCATED"
expect_err "no end record"
# Killed while its threads wait, recording nothing: what they recorded
# more than a second before is in the file.
run_and_kill q.wtr quiet
run "$WARD" report q.wtr
expect_rc 0
expect_out "TRUNCATED"
expect_out "^allocated: +1[1-9][0-9] blocks"
# A fatal signal in one thread writes what the others have buffered.
ward_run --trace=c.wtr -- "$TMP/trace_cases" crash
expect_rc 134
run "$WARD" report c.wtr
expect_rc 0
expect_out "^allocated: +1[1-9][0-9] blocks"
# Cut in the middle of a frame.
head -c $(( $(stat -c %s "$trace") * 2 / 3 )) "$trace" > cut.wtr
run "$WARD" report cut.wtr
expect_rc 0
expect_out "TRUNCATED"
expect_err "cut short at byte"

# Bad input: one line, exit 1.
head -c 1000 /dev/urandom > junk.wtr
run "$WARD" report junk.wtr
expect_rc 1
[ "$(wc -l < "$TMP/err")" -eq 1 ] || fail "error is not one line"
expect_err "is not a readable ward trace"
run "$WARD" report missing.wtr
expect_rc 1
expect_err "cannot read trace 'missing.wtr'"
mkdir adir.wtr
run "$WARD" report adir.wtr
expect_rc 1
expect_err "cannot read trace 'adir.wtr': it is a directory$"
mkfifo fifo.wtr
run timeout 10 "$WARD" report fifo.wtr          # refused, not waited on
expect_rc 1
expect_err "it is a pipe \(save the trace to a file first\)"
run "$WARD" report --top x "$trace"
expect_rc 2
expect_err "^ward: --top takes a number of sites from 1 to 100000, not 'x'$"
run "$WARD" report "$trace" --top
expect_rc 2
if [ -w /dev/full ]; then
    "$WARD" report "$trace" > /dev/full 2> full.err && fail "a report to a full disk exited 0"
    grep -q "cannot write the report" full.err || fail "no message for a report not written"
fi

# Never overwrite.
echo precious > taken.wtr
ward_run --trace=taken.wtr -- "$TMP/sched"
expect_err "cannot create trace file '$TMP/taken.wtr': File exists"
[ "$(cat taken.wtr)" = precious ] || fail "overwrote an existing file"
# Nor follow a symbolic link planted where the trace goes.
echo victim > victim
ln -s victim planted.wtr
ward_run --trace=planted.wtr -- "$TMP/sched"
expect_err "cannot create trace file '$TMP/planted.wtr': File exists"
[ "$(cat victim)" = victim ] || fail "followed a symbolic link"
pass
