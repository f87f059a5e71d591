#!/bin/bash
# Detection matrix: does ward find what Valgrind memcheck and AddressSanitizer
# find on classic heap bugs?
#
#   nice -n 19 scripts/detection/run.sh [PROG.c|PROG.cc ...]
#
# (no argument: every NN_*.c and NN_*.cc here; repro/ holds reproducers of
# ward's misses, which can be given as arguments too)
#
# Each NN_*.c / NN_*.cc here is one small program with one bug; its first
# line says the bug and, after "EXPECT:", the kind a tool should report.
# Each is built with gcc/g++ -g -O0 (for ward and memcheck) and with
# clang/clang++ -g -O0 -fsanitize=address, then run under
#   ward         build/bin/ward run -- PROG
#   ward guard   build/bin/ward run --guard=all -- PROG
#   memcheck     valgrind --tool=memcheck --leak-check=full --error-exitcode=99 PROG
#   asan         ASAN_OPTIONS=detect_leaks=1 PROG.asan
# with a timeout per run (TIMEOUT seconds, VG_TIMEOUT for memcheck). The
# output of every run is kept in OUT (default ${TMPDIR:-/tmp}/ward-detection):
# NAME.TOOL.log and NAME.TOOL.rc. A markdown matrix is printed and written
# to OUT/matrix.md. Cells:
#   ok KIND      the expected kind was reported
#   WRONG KIND   ward reported something, not the expected kind
#   other: KIND  memcheck or ASan reported something, not the expected kind
#   miss         nothing was reported (exit status as without a tool)
#   +KIND        reported besides (a second report on the same program)
#   CRASH/TIMEOUT  the run died of a signal the tool did not report, or hung
# Kinds are mapped to ward's names: memcheck's "Invalid write ... after a
# block" is heap-buffer-overflow, "... free'd" use-after-free, ASan's
# "heap-use-after-free" use-after-free, "to the left of" an underflow, etc.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WARD=${WARD:-$ROOT/build/bin/ward}
OUT=${OUT:-${TMPDIR:-/tmp}/ward-detection}
TIMEOUT=${TIMEOUT:-20}
VG_TIMEOUT=${VG_TIMEOUT:-120}
[ -x "$WARD" ] || { echo "no $WARD: run make first" >&2; exit 2; }
for t in gcc g++ clang clang++ valgrind python3 timeout; do
    command -v $t >/dev/null || { echo "needs $t" >&2; exit 2; }
done
mkdir -p "$OUT"
unset WARD_OPTIONS ASAN_OPTIONS LSAN_OPTIONS

if [ $# -eq 0 ]; then
    set -- $(cd "$HERE" && ls [0-9]*.c [0-9]*.cc 2>/dev/null | sort | sed "s|^|$HERE/|")
fi
srcs=()
for src in "$@"; do
    case $src in /*) ;; *) src=$PWD/$src ;; esac
    srcs+=("$src")
done
cd "$HERE"

# run NAME TOOL TIMEOUT CMD...: output in OUT/NAME.TOOL.log, status in .rc
run() {
    local name=$1 tool=$2 secs=$3
    shift 3
    # in a subshell whose stderr is dropped: bash's "Aborted" notices
    (timeout -k 5 "$secs" "$@" </dev/null >"$OUT/$name.$tool.log" 2>&1
     echo $? >"$OUT/$name.$tool.rc") 2>/dev/null
}

names=()
for src in "${srcs[@]}"; do
    base=$(basename "$src")
    name=${base%.*}
    names+=("$name=$src")
    case $src in
    *.cc) cc=g++ asancc=clang++ ;;
    *) cc=gcc asancc=clang ;;
    esac
    if ! $cc -g -O0 -pthread -w -o "$OUT/$name" "$src" 2>"$OUT/$name.build.log" ||
       ! $asancc -g -O0 -fsanitize=address -pthread -w -o "$OUT/$name.asan" "$src" 2>>"$OUT/$name.build.log"; then
        echo "build of $src failed, see $OUT/$name.build.log" >&2
        continue
    fi
    echo "== $name" >&2
    run "$name" plain "$TIMEOUT" "$OUT/$name"
    run "$name" ward "$TIMEOUT" "$WARD" run -- "$OUT/$name"
    run "$name" guard "$TIMEOUT" "$WARD" run --guard=all -- "$OUT/$name"
    run "$name" memcheck "$VG_TIMEOUT" valgrind --tool=memcheck --leak-check=full \
        --error-exitcode=99 "$OUT/$name"
    ASAN_OPTIONS=detect_leaks=1 run "$name" asan "$TIMEOUT" "$OUT/$name.asan"
done

python3 - "$HERE" "$OUT" "${names[@]}" <<'EOF' | tee "$OUT/matrix.md"
import os, re, sys

here, out, names = sys.argv[1], sys.argv[2], sys.argv[3:]

def expected(path):
    first = open(path).readline()
    m = re.search(r"EXPECT:\s*([a-z-]+)", first)
    return m.group(1) if m else "?"

def ward_kinds(log):
    return [m.group(1) for m in re.finditer(r"ward: ERROR: ([a-z-]+)", log)]

def memcheck_kinds(log):
    kinds = []
    lines = log.splitlines()
    for i, line in enumerate(lines):
        body = re.sub(r"^==\d+== ", "", line)
        head = None
        if body.startswith("Invalid write") or body.startswith("Invalid read"):
            head = "access"
        elif body.startswith("Invalid free()"):
            head = "free"
        elif body.startswith("Mismatched free()"):
            kinds.append("alloc-dealloc-mismatch")
            continue
        elif "alignment" in body and ("fishy" in body or "Invalid alignment" in body):
            kinds.append("invalid-alignment")
            continue
        elif re.match(r"[\d,]+ (\([^)]*\) )?bytes in [\d,]+ blocks are (definitely|indirectly|possibly) lost", body):
            kinds.append("leak")
            continue
        elif body.startswith("Process terminating with default action"):
            kinds.append("CRASH")
            continue
        elif body.startswith("Syscall param") and "unaddressable" in body:
            head = "access"
        elif body.startswith("Conditional jump") or body.startswith("Use of uninitialised") \
                or body.startswith("Syscall param"):
            kinds.append("uninitialised")
            continue
        elif body.startswith("Source and destination overlap"):
            kinds.append("overlap")
            continue
        if head is None:
            continue
        where = ""
        for l in lines[i + 1:i + 40]:
            if " Address 0x" in l:
                where = l
                break
        if "free'd" in where:
            kinds.append("use-after-free" if head == "access" else "double-free")
        elif head == "free":
            kinds.append("invalid-free")
        elif "after a block" in where:
            kinds.append("heap-buffer-overflow")
        elif "before a block" in where:
            kinds.append("heap-buffer-underflow")
        elif "inside a block" in where and "alloc'd" in where:
            # an access that starts inside a live block and ends past it
            kinds.append("heap-buffer-overflow")
        else:
            kinds.append("invalid-access")
    return kinds

def asan_kinds(log):
    kinds = []
    for m in re.finditer(r"ERROR: AddressSanitizer: (.*)", log):
        what = m.group(1)
        after = log[m.end():m.end() + 3000]
        if what.startswith("heap-buffer-overflow"):
            kinds.append("heap-buffer-underflow" if re.search(r"bytes to the left of", after)
                         else "heap-buffer-overflow")
        elif what.startswith("heap-use-after-free"):
            kinds.append("use-after-free")
        elif what.startswith("attempting double-free"):
            kinds.append("double-free")
        elif what.startswith("attempting free on address which was not malloc"):
            kinds.append("invalid-free")
        elif what.startswith("alloc-dealloc-mismatch"):
            kinds.append("alloc-dealloc-mismatch")
        elif what.startswith("new-delete-type-mismatch"):
            kinds.append("new-delete-type-mismatch")
        elif "alignment" in what:
            kinds.append("invalid-alignment")
        else:
            kinds.append(what.split()[0])
    if "ERROR: LeakSanitizer: detected memory leaks" in log:
        kinds.append("leak")
    return kinds

PARSE = {"ward": ward_kinds, "guard": ward_kinds, "memcheck": memcheck_kinds, "asan": asan_kinds}
TOOLS = ["ward", "guard", "memcheck", "asan"]

def cell(name, tool, exp):
    logp = os.path.join(out, f"{name}.{tool}.log")
    if not os.path.exists(logp):
        return "-"
    log = open(logp, errors="replace").read()
    rc = int(open(os.path.join(out, f"{name}.{tool}.rc")).read().strip() or 0)
    kinds = PARSE[tool](log)
    uniq = list(dict.fromkeys(kinds))
    if rc in (124, 137) and not uniq:
        return "TIMEOUT"
    extra = [k for k in uniq if k != exp]
    if exp in uniq:
        s = "ok " + exp
    elif uniq:
        s = ("WRONG " if tool in ("ward", "guard") else "other: ") + uniq[0]
        extra = extra[1:]
    else:
        s = "miss"
        if rc > 128 or rc in (124, 137):
            s = f"CRASH rc={rc}"
    if extra:
        s += " " + " ".join("+" + k for k in extra)
    if tool in ("ward", "guard") and re.search(r"ward: WARNING", log):
        s += " (warning)"
    return s

print("| program | expected | ward | ward guard=all | memcheck | asan |")
print("|---|---|---|---|---|---|")
for pair in names:
    name, path = pair.split("=", 1)
    exp = expected(path)
    print(f"| {name} | {exp} | " + " | ".join(cell(name, t, exp) for t in TOOLS) + " |")
EOF
