#!/usr/bin/env python3
"""ward's benchmark driver: runs workloads under several configurations,
repeated and interleaved (the machine is noisy), and prints the median wall
time and peak RSS of each, as ratios to plain glibc.

    scripts/bench.py [--reps N] [--workloads a,b] [--configs x,y|all]
                     [--quick] [--timeout S] [--timeout-factor F]
                     [--markdown FILE] [--verbose]

Workloads: the C programs of scripts/bench/ (built into build/bench/), and
real programs from Debian packages (python3, sqlite3, gcc's cc1, perl) whose
inputs are generated into build/bench/inputs/ at run time.

Configurations: plain glibc, ward (default, 256M quarantine, --guard=all),
AddressSanitizer (the C workloads only, rebuilt with clang into
build/bench/asan/), heaptrack, Valgrind memcheck, Electric Fence and DUMA.
Without --configs the slow comparison tools (memcheck, efence, duma) are
left out; `--configs all` runs every one. A configuration whose tool or
option is missing is skipped with a note. A run that fails or exceeds its
timeout (--timeout seconds, or --timeout-factor times plain's time on that
workload if smaller) is recorded as failed/timeout and not tried again (if
earlier repetitions passed, their median is shown, marked).

--quick runs one repetition with small sizes, to try the driver out.

Peak RSS is the largest of the process tree's processes (wait4's
ru_maxrss, from a small runner program so the Python driver's own RSS does
not count), not their sum: for heaptrack it is mostly heaptrack_interpret's
(about 100 MiB even for /bin/true), which runs beside the program. The
heaptrack rows also give the size of its (zstd-compressed) trace per
allocation it counted.

WARD=PATH benchmarks that ward binary instead of build/bin/ward;
WARD_BASE=PATH is the ward-base configuration (on request), another build
in the default mode, for a change against its base in one run.

Never used by the tests: timings are figures to record, not to assert.
"""
import argparse
import glob
import os
import random
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
BENCH = os.path.join(BUILD, "bench")
ASAN_DIR = os.path.join(BENCH, "asan")
INPUTS = os.path.join(BENCH, "inputs")
SRC_DIR = os.path.join(ROOT, "scripts", "bench")
# WARD=path/to/ward benchmarks another build (e.g. one of a fixed commit).
WARD = os.environ.get("WARD", os.path.join(BUILD, "bin", "ward"))
# WARD_BASE=path/to/ward: the ward-base configuration, that build in its
# default mode, to measure a change against its base in one run.
WARD_BASE = os.environ.get("WARD_BASE", "")


def _compile(compiler, flags, src, out):
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
        subprocess.check_call([compiler] + flags + ["-o", out, src])


# Runs a command and writes its wait status and peak RSS (KiB) to a file.
# Started from this (large) Python process, the command's ru_maxrss would
# count the RSS of the forked Python copy it was exec'd from; started from
# this small program, it counts only its own tree.
RUNNER_SRC = r"""
#include <errno.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: runner RESULT PROG [ARGS...]\n");
        return 125;
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 125;
    }
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            perror("wait4");
            return 125;
        }
    FILE *f = fopen(argv[1], "w");
    if (!f) {
        perror(argv[1]);
        return 125;
    }
    fprintf(f, "%d %ld\n", status, ru.ru_maxrss);
    return fclose(f) ? 125 : 0;
}
"""
RUNNER = os.path.join(BENCH, "runner")


def build_runner():
    src = os.path.join(BENCH, "runner.c")
    if not os.path.exists(src) or open(src).read() != RUNNER_SRC:
        with open(src, "w") as f:
            f.write(RUNNER_SRC)
    _compile("cc", ["-O2"], src, RUNNER)


def build_workloads(asan):
    """Builds scripts/bench/*.c into build/bench/ and, for the asan config,
    with clang -fsanitize=address into build/bench/asan/ (or with cc
    -fsanitize=address where clang rejects the source). Returns (set of
    programs built with ASan, [(program, note)])."""
    os.makedirs(BENCH, exist_ok=True)
    build_runner()
    sources = sorted(n for n in os.listdir(SRC_DIR) if n.endswith(".c"))
    for name in sources:
        _compile("cc", ["-O2", "-g", "-pthread"], os.path.join(SRC_DIR, name),
                 os.path.join(BENCH, name[:-2]))
    built, notes = set(), []
    if not asan:
        return built, notes
    os.makedirs(ASAN_DIR, exist_ok=True)
    flags = ["-O2", "-g", "-fno-omit-frame-pointer", "-fsanitize=address", "-pthread", "-o"]
    for name in sources:
        src, out = os.path.join(SRC_DIR, name), os.path.join(ASAN_DIR, name[:-2])
        marker = out + ".compiler"           # which compiler made out
        used = None
        if os.path.exists(out) and os.path.exists(marker) and os.path.getmtime(out) >= os.path.getmtime(src):
            used = open(marker).read().strip()
        else:
            for cc in ("clang", "cc"):
                if not shutil.which(cc):
                    continue
                r = subprocess.run([cc] + flags + [out, src], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
                if r.returncode == 0:
                    used = cc
                    with open(marker, "w") as f:
                        f.write(cc + "\n")
                    break
        if used is None:
            notes.append((name[:-2], "asan: %s does not build with -fsanitize=address" % name))
            continue
        if used != "clang":
            notes.append((name[:-2], "asan: %s built with %s -fsanitize=address (clang rejects it)" % (name, used)))
        built.add(name[:-2])
    return built, notes


# --- inputs of the real-program workloads, written into build/bench/inputs/

PY_SCRIPT = r'''
# Allocation-heavy Python: build, sort and index dicts, a JSON round trip,
# and a word count.
import json, sys
n = int(sys.argv[1])
rows = [{"id": i, "name": "item%d" % (i * 7919 % n), "tags": ["t%d" % (i % 13), "u%d" % (i % 7)],
         "score": (i * 2654435761) % 1000003 / 7.0} for i in range(n)]
rows.sort(key=lambda r: (r["name"], r["score"]))
index = {}
for r in rows:
    index.setdefault(r["tags"][0], []).append(r["id"])
text = json.dumps(rows)
back = json.loads(text)
counts = {}
for w in " ".join(r["name"] for r in back).split():
    counts[w] = counts.get(w, 0) + 1
assert len(back) == n
print(len(text), len(index), len(counts))
'''

SQL_SCRIPT = '''
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, val REAL, payload TEXT);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {n})
INSERT INTO t SELECT x, 'name' || (x * 7919 % {n}), x % 97, (x * 2654435761 % 1000003) / 7.0,
                     printf('%.*c', 20 + x % 80, 'x') FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp_val ON t(grp, val);
SELECT grp, count(*), sum(val), max(length(payload)) FROM t GROUP BY grp ORDER BY 3 DESC LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON a.name = b.name WHERE a.grp < 10;
UPDATE t SET payload = upper(payload) || name WHERE grp % 3 = 0;
SELECT name, val FROM t ORDER BY payload, val LIMIT 3;
DELETE FROM t WHERE val > 70000;
SELECT count(*), total(length(payload)) FROM t;
'''

PERL_SCRIPT = (
    'my $n = shift; my %h; '
    'for my $i (1..$n) { $h{"key$i"} = [$i, "v" x ($i % 50), {n => $i}] } '
    'my %g; while (my ($k, $v) = each %h) { push @{$g{$v->[0] % 1000}}, $k } '
    'my $s = 0; for my $k (sort keys %h) { $s += length($h{$k}[1]) } '
    'delete @h{grep { /7/ } keys %h}; '
    'print scalar(keys %h), " $s ", scalar(keys %g), "\\n"')


def gen_c_source(nfuncs):
    """A medium C file: nfuncs structs, each with a loop-and-switch function
    and a calloc'ing caller chained to the previous one."""
    out = ["#include <stdio.h>", "#include <stdlib.h>", "#include <string.h>", ""]
    for i in range(nfuncs):
        w = 4 + i % 8
        prev = "g%d(n - 1)" % (i - 1) if i else "0"
        out.append("""struct s{i} {{ int a[{w}]; double d; struct s{i} *next; }};
static int f{i}(struct s{i} *p, int n)
{{
    int acc = {i};
    for (int k = 0; k < n; k++) {{
        for (int j = 0; j < {w}; j++)
            acc += p->a[j] * (k ^ j) + (int)(p->d * {i1});
        switch ((acc + k) % 7) {{
        case 0: acc ^= acc << 3; break;
        case 1: acc += {i} * k; break;
        case 2: acc -= n / (k + 1); break;
        case 3: if (p->next) acc += f{i}(p->next, n / 2); break;
        default: acc = (acc * 31) ^ {h};
        }}
    }}
    char buf[64];
    snprintf(buf, sizeof buf, "%d-%d", acc, n);
    return acc + (int)strlen(buf);
}}
int g{i}(int n)
{{
    struct s{i} *v = calloc(n + 1, sizeof *v);
    int r = 0;
    for (int k = 0; k < n; k++) {{
        v[k].d = k * 0.5;
        v[k].next = k ? &v[k - 1] : 0;
        v[k].a[k % {w}] = k;
    }}
    r = f{i}(&v[n - 1], n) + {prev} * (n > 1);
    free(v);
    return r;
}}
""".format(i=i, i1=i + 1, w=w, h=i * 7919 % 1000, prev=prev))
    out.append("int main(int argc, char **argv) { (void)argv; return g%d(argc) & 1; }" % (nfuncs - 1))
    return "\n".join(out) + "\n"


def write_input(name, text):
    os.makedirs(INPUTS, exist_ok=True)
    path = os.path.join(INPUTS, name)
    if not os.path.exists(path) or open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)
    return path


def need(prog, package):
    path = shutil.which(prog) if not os.path.isabs(prog) else (prog if os.path.exists(prog) else None)
    if not path:
        raise Unavailable("%s not found (apt-get install %s)" % (prog, package))
    return path


class Unavailable(Exception):
    pass


# --- workloads

class Workload:
    """argv(size) gives the command line for size "full" or "quick"; setup
    (if any) writes inputs and may raise Unavailable. c_program is the name
    of the scripts/bench/ program, for the asan config."""

    def __init__(self, full, quick, c_program=None, setup=None, env=None):
        self.sizes = {"full": full, "quick": quick}
        self.c_program = c_program
        self.setup = setup
        self.env = env or {}

    def argv(self, size):
        args = self.sizes[size]
        if self.c_program:
            return [os.path.join(BENCH, self.c_program)] + [str(a) for a in args]
        return self.setup(args)


def c_workload(name, full, quick):
    return Workload(full, quick, c_program=name)


def python_argv(n):
    exe = need("/usr/bin/python3", "python3")   # Debian's, not a pyenv shim
    return [exe, write_input("alloc.py", PY_SCRIPT), str(n)]


def sqlite_argv(n):
    exe = need("sqlite3", "sqlite3")
    return [exe, ":memory:", ".read " + write_input("fill-%d.sql" % n, SQL_SCRIPT.format(n=n))]


def gcc_argv(nfuncs):
    """gcc -O2 on a generated file, run as the compiler proper (cc1) so that
    every tool sees the process that does the work, not only the driver."""
    gcc = need("gcc", "gcc")
    src = write_input("gen-%d.c" % nfuncs, gen_c_source(nfuncs))
    out = subprocess.run([gcc, "-###", "-O2", "-S", src, "-o", "/dev/null"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True).stderr
    for line in out.splitlines():
        argv = shlex.split(line)
        if argv and os.path.basename(argv[0]) == "cc1":
            return argv
    raise Unavailable("could not find cc1's command line in gcc -###")


def perl_argv(n):
    return [need("perl", "perl"), "-e", PERL_SCRIPT, str(n)]


# name -> workload; full sizes run about a second under plain glibc.
WORKLOADS = {
    "malloc_heavy": c_workload("malloc_heavy", [16000000, 2], [1000000, 2]),
    "larson": c_workload("larson", [2000000, 20, 2], [200000, 20, 2]),
    "xmalloc": c_workload("xmalloc", [10000000, 1, 1, 256], [1000000, 1, 1, 256]),
    "cache_scratch": c_workload("cache_scratch", [4000000, 50, 2], [400000, 50, 2]),
    "cfrac_like": c_workload("cfrac_like", [4000000], [400000]),
    # Coroutine switches only (swapcontext round trips), no allocation: not
    # in the default list (see EXTRA_WORKLOADS).
    "switch": c_workload("switch", [2000000], [200000]),
    "python3": Workload(150000, 15000, setup=python_argv, env={"PYTHONHASHSEED": "0"}),
    "sqlite3": Workload(300000, 30000, setup=sqlite_argv),
    "gcc": Workload(100, 10, setup=gcc_argv),
    # perl leaves its interpreter's buffers to the exit unless told to
    # free them (ward and memcheck both find 52 KB lost otherwise).
    "perl": Workload(250000, 25000, setup=perl_argv,
                     env={"PERL_HASH_SEED": "0", "PERL_PERTURB_KEYS": "0",
                          "PERL_DESTRUCT_LEVEL": "2"}),
}


EXTRA_WORKLOADS = ("switch",)


# --- configurations

class Config:
    """wrap(argv, workload) -> (argv, env), or None when the config does not
    apply to that workload. finish(stderr_text) is called after each
    successful run and may return {"trace_bytes": .., "events": ..}."""

    def __init__(self, prefix=(), env=None, tool=None, package=None, preload=None):
        self.prefix = list(prefix)
        self.env = env or {}
        self.tool = tool
        self.package = package
        self.preload = preload

    def check(self):
        """Raises Unavailable if the tool is missing; then the driver runs
        /bin/true through the config as a probe."""
        if self.tool and not (os.path.exists(self.tool) if os.path.isabs(self.tool) else shutil.which(self.tool)):
            raise Unavailable("%s not found%s" % (self.tool, " (apt-get install %s)" % self.package if self.package else ""))
        if self.preload and not preload_found(self.preload):
            raise Unavailable("%s not found%s" % (self.preload, " (apt-get install %s)" % self.package if self.package else ""))

    def wrap(self, argv, workload):
        env = dict(self.env)
        if self.preload:
            env["LD_PRELOAD"] = self.preload
        return self.prefix + argv, env


    def finish(self, stderr_text):
        return None


def preload_found(lib):
    for d in ("/usr/lib", "/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/local/lib"):
        if os.path.exists(os.path.join(d, lib)):
            return True
    try:
        return lib in subprocess.run(["ldconfig", "-p"], stdout=subprocess.PIPE, text=True).stdout
    except OSError:
        return False


class AsanConfig(Config):
    def __init__(self):
        # ASan's defaults, leak check included, as ward's.
        super().__init__(tool="clang", package="clang")
        self.built = set()

    def check(self):
        super().check()
        if not self.built:
            raise Unavailable("no workload builds with -fsanitize=address")

    def wrap(self, argv, workload):
        if workload is None:
            return argv, dict(self.env)          # the probe
        if workload.c_program not in self.built:
            return None
        return [os.path.join(ASAN_DIR, workload.c_program)] + argv[1:], dict(self.env)


class HeaptrackConfig(Config):
    """heaptrack -o FILE PROG: FILE gets a .zst (or .gz) suffix; it prints
    where it writes and how to analyze to stdout, and its stats
    ("allocations: N") to stderr. The trace is deleted after each run."""

    def __init__(self):
        super().__init__(tool="heaptrack", package="heaptrack")
        self.counter = 0
        self.base = None

    def wrap(self, argv, workload):
        self.counter += 1
        self.base = os.path.join(BENCH, "heaptrack.%d.%d" % (os.getpid(), self.counter))
        return ["heaptrack", "-o", self.base] + argv, {}

    def _outputs(self):
        return glob.glob(glob.escape(self.base) + "*") if self.base else []

    def finish(self, stderr_text):
        files = self._outputs()
        size = sum(os.path.getsize(f) for f in files)
        for f in files:
            os.unlink(f)
        m = re.search(r"^\s*allocations:\s*(\d+)", stderr_text, re.M)
        if not files or not m:
            return None
        return {"trace_bytes": size, "events": int(m.group(1))}

    def cleanup(self):
        for f in self._outputs():
            os.unlink(f)


class WardTraceConfig(Config):
    """ward run --trace=FILE.%p.wtr: one file per process; after the run
    their sizes are summed and their allocations counted by `ward report`,
    and they are deleted."""

    def __init__(self):
        super().__init__(tool=WARD)
        self.counter = 0
        self.base = None

    def wrap(self, argv, workload):
        self.counter += 1
        self.base = os.path.join(BENCH, "ward.%d.%d" % (os.getpid(), self.counter))
        return [WARD, "run", "--trace=%s.%%p.wtr" % self.base, "--"] + argv, {}

    def _outputs(self):
        return glob.glob(glob.escape(self.base) + ".*.wtr*") if self.base else []

    def finish(self, stderr_text):
        """Bytes per allocation, as heaptrack counts them (malloc, calloc,
        realloc...): the blocks allocated plus the reallocs."""
        size = allocs = 0
        for f in self._outputs():
            size += os.path.getsize(f)
            out = subprocess.run([WARD, "report", f], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True).stdout
            m = re.search(r"^allocated:\s+(\d+) blocks.*?(\d+) reallocs", out, re.M)
            allocs += int(m.group(1)) + int(m.group(2)) if m else 0
        self.cleanup()
        return {"trace_bytes": size, "events": allocs} if allocs else None

    def cleanup(self):
        for f in self._outputs():
            os.unlink(f)


# name -> configuration. ward runs in its default mode: stacks on every
# allocation and free, redzones, quarantine, and the leak check at exit.
CONFIGS = {
    "plain": Config(),
    "ward": Config([WARD, "run", "--"], tool=WARD),
    "ward-trace": WardTraceConfig(),
    "ward-q256M": Config([WARD, "run", "--quarantine=256M", "--"], tool=WARD),
    # The default mode without its quarantine: peak memory with the
    # quarantine excluded, as issue 9's memory target counts it.
    "ward-q0": Config([WARD, "run", "--quarantine=0", "--"], tool=WARD),
    # The default mode without the checks of libc's copies, to show what
    # they cost.
    "ward-libc0": Config([WARD, "run", "--check_libc=0", "--"], tool=WARD),
    "ward-guard": Config([WARD, "run", "--guard=all", "--"], tool=WARD),
    "ward-base": Config([WARD_BASE, "run", "--"], tool=WARD_BASE or "$WARD_BASE"),
    # guard=all as on kernels without guard markers: a mapping per block.
    "ward-guard-maps": Config([WARD, "run", "--guard=all", "--guard_markers=0", "--"], tool=WARD),
    "asan": AsanConfig(),
    "heaptrack": HeaptrackConfig(),
    "memcheck": Config(["valgrind", "--tool=memcheck", "--leak-check=no", "-q"],
                       tool="valgrind", package="valgrind"),
    "efence": Config(preload="libefence.so", package="electric-fence"),
    # Preloaded as Debian's /usr/bin/duma script does. DUMA's default
    # alignment is below the x86-64 ABI's 16 bytes, which python3 needs.
    "duma": Config(preload="libduma.so.0.0.0", env={"DUMA_ALIGNMENT": "16"}, package="duma"),
}
SLOW_CONFIGS = ("memcheck", "efence", "duma", "ward-guard-maps")
ON_REQUEST_CONFIGS = ("ward-libc0", "ward-base")
DEFAULT_CONFIGS = [c for c in CONFIGS if c not in SLOW_CONFIGS + ON_REQUEST_CONFIGS]


# --- running

class RunFailed(Exception):
    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status      # "failed" or "timeout"
        self.reason = reason


def summarize_stderr(err):
    lines = [l.strip() for l in err.splitlines() if l.strip()]
    for l in lines:
        if re.search(r"error|abort|fail|cannot|unknown|killed|fatal|illegal|segmentation", l, re.I):
            return l[:160]
    return lines[-1][:160] if lines else ""


def run_once(cmd, env, timeout):
    """Returns (seconds, peak RSS bytes, stderr text); raises RunFailed."""
    full_env = dict(os.environ, **env)
    fd, result = tempfile.mkstemp(prefix="run.", dir=BENCH)
    os.close(fd)
    try:
        with tempfile.TemporaryFile() as errf:
            start = time.perf_counter()
            proc = subprocess.Popen([RUNNER, result] + cmd, stdout=subprocess.DEVNULL, stderr=errf,
                                    env=full_env, start_new_session=True)
            timed_out = threading.Event()

            def kill():
                timed_out.set()
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

            timer = threading.Timer(timeout, kill)
            timer.start()
            try:
                runner_code = proc.wait()
            finally:
                timer.cancel()
            elapsed = time.perf_counter() - start
            errf.seek(0)
            err = errf.read().decode(errors="replace")
        with open(result) as f:
            fields = f.read().split()
    finally:
        os.unlink(result)
    if timed_out.is_set():
        raise RunFailed("timeout", "killed after %.0f s" % timeout)
    if runner_code != 0 or len(fields) != 2:
        raise RunFailed("failed", "runner exit status %d: %s" % (runner_code, summarize_stderr(err)))
    code = os.waitstatus_to_exitcode(int(fields[0]))
    if code != 0:
        what = ("signal %s" % signal.Signals(-code).name) if code < 0 else ("exit status %d" % code)
        raise RunFailed("failed", "%s: %s" % (what, summarize_stderr(err)))
    return elapsed, int(fields[1]) * 1024, err


def probe(config):
    """None if the config can run /bin/true, else why not."""
    try:
        config.check()
    except Unavailable as e:
        return str(e)
    argv, env = config.wrap(["/bin/true"], None)
    try:
        _, _, err = run_once(argv, env, 60)
    except RunFailed as e:
        return "probe with /bin/true: %s" % e.reason
    finally:
        if hasattr(config, "cleanup"):
            config.cleanup()
    if "cannot be preloaded" in err:
        return summarize_stderr(err)
    return None


def fmt_table(workloads, configs, results, outcomes, traces, show_trace):
    head = "| workload | config | median time (s) | time / plain | peak RSS (MiB) | RSS / plain |"
    rule = "|---|---|---|---|---|---|"
    if show_trace:
        head += " trace B / alloc |"
        rule += "---|"
    lines = [head, rule]
    for w in workloads:
        base_t = base_m = None
        if results.get((w, "plain")) and (w, "plain") not in outcomes:
            base_t = statistics.median(t for t, _ in results[(w, "plain")])
            base_m = statistics.median(m for _, m in results[(w, "plain")])
        for c in configs:
            if (w, c) not in results:
                continue                         # config does not apply
            extra = ""
            if show_trace:
                tr = traces.get((w, c))
                extra = " %s |" % ("%.2f" % (statistics.median(tr)) if tr else "-")
            runs = results[(w, c)]
            if (w, c) in outcomes and not runs:
                status, _ = outcomes[(w, c)]
                lines.append("| %s | %s | %s | - | - | - |%s" % (w, c, status, extra))
                continue
            t = statistics.median(x for x, _ in runs)
            m = statistics.median(y for _, y in runs)
            t_cell = "%.3f" % t
            if (w, c) in outcomes:
                # Some runs passed, then one failed: the median of those
                # that passed, marked.
                t_cell += " (%d ok, then %s)" % (len(runs), outcomes[(w, c)][0])
            lines.append("| %s | %s | %s | %s | %.1f | %s |%s" % (
                w, c, t_cell, "%.2fx" % (t / base_t) if base_t else "-",
                m / 2**20, "%.2fx" % (m / base_m) if base_m else "-", extra))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5, 1 with --quick)")
    ap.add_argument("--workloads", default=",".join(w for w in WORKLOADS if w not in EXTRA_WORKLOADS))
    ap.add_argument("--configs", default=",".join(DEFAULT_CONFIGS),
                    help="comma-separated, or 'all' (default: all but %s)" % ", ".join(SLOW_CONFIGS + ON_REQUEST_CONFIGS))
    ap.add_argument("--quick", action="store_true", help="small sizes, 1 repetition")
    ap.add_argument("--timeout", type=float, default=120, help="per-run timeout in seconds (default 120)")
    ap.add_argument("--timeout-factor", type=float, default=100,
                    help="per-run timeout as a multiple of plain's time on the workload, if smaller "
                         "than --timeout (default 100; at least 10 s)")
    ap.add_argument("--markdown", help="also write the table to this file")
    ap.add_argument("--verbose", action="store_true", help="print every run")
    args = ap.parse_args()
    reps = args.reps if args.reps is not None else (1 if args.quick else 5)
    size = "quick" if args.quick else "full"
    workloads = args.workloads.split(",")
    configs = list(CONFIGS) if args.configs == "all" else args.configs.split(",")
    for name in workloads:
        if name not in WORKLOADS:
            ap.error("unknown workload %r (have: %s)" % (name, ", ".join(WORKLOADS)))
    for name in configs:
        if name not in CONFIGS:
            ap.error("unknown config %r (have: %s)" % (name, ", ".join(CONFIGS)))
    if "plain" not in configs:
        configs.insert(0, "plain")               # the baseline of every ratio

    notes = []

    def note(text):
        notes.append(text)
        print("note: " + text, file=sys.stderr)

    CONFIGS["asan"].built, build_notes = build_workloads("asan" in configs)
    for prog, text in build_notes:
        if any(WORKLOADS[w].c_program == prog for w in workloads):
            note(text)

    # Configurations: probe each, drop those that cannot run.
    for c in list(configs):
        why = probe(CONFIGS[c])
        if why:
            note("config %s skipped: %s" % (c, why))
            configs.remove(c)

    # Workloads: command lines (generating inputs), and one plain run each
    # to warm up and to set the timeouts.
    argvs, timeouts = {}, {}
    for w in list(workloads):
        try:
            argvs[w] = WORKLOADS[w].argv(size)
        except Unavailable as e:
            note("workload %s skipped: %s" % (w, e))
            workloads.remove(w)
            continue
        try:
            t, _, _ = run_once(argvs[w], WORKLOADS[w].env, args.timeout)
        except RunFailed as e:
            note("workload %s skipped: plain run %s (%s)" % (w, e.status, e.reason))
            workloads.remove(w)
            continue
        timeouts[w] = min(args.timeout, max(10.0, args.timeout_factor * t))
        print("warm-up: %s %.3f s plain, timeout %.0f s" % (w, t, timeouts[w]), file=sys.stderr)

    results, outcomes, traces = {}, {}, {}
    for w in workloads:
        for c in configs:
            if CONFIGS[c].wrap(argvs[w], WORKLOADS[w]) is not None:
                results[(w, c)] = []
    if "asan" in configs and any(not WORKLOADS[w].c_program for w in workloads):
        notes.append("asan rows: the C workloads of scripts/bench/ only, rebuilt with "
                     "-fsanitize=address (their other rows run the cc -O2 build)")

    for rep in range(reps):
        order = [key for key in results if key not in outcomes]
        random.shuffle(order)
        for w, c in order:
            config = CONFIGS[c]
            argv, env = config.wrap(argvs[w], WORKLOADS[w])
            try:
                elapsed, rss, err = run_once(argv, dict(WORKLOADS[w].env, **env), timeouts[w])
            except RunFailed as e:
                outcomes[(w, c)] = (e.status, e.reason)
                if hasattr(config, "cleanup"):
                    config.cleanup()
                print("%s under %s: %s (%s)" % (w, c, e.status, e.reason), file=sys.stderr)
                continue
            results[(w, c)].append((elapsed, rss))
            trace = config.finish(err)
            if trace and trace["events"]:
                traces.setdefault((w, c), []).append(trace["trace_bytes"] / trace["events"])
            if args.verbose:
                print("%s under %s: %.3f s, %.1f MiB" % (w, c, elapsed, rss / 2**20), file=sys.stderr)
        print("round %d/%d done" % (rep + 1, reps), file=sys.stderr)

    if "heaptrack" in configs:
        notes.append("heaptrack's peak RSS is mostly heaptrack_interpret's (about 100 MiB), "
                     "not the program's")
    for (w, c), (status, reason) in sorted(outcomes.items()):
        notes.append("%s under %s: %s, %s" % (w, c, status, reason))
    lines = fmt_table(workloads, configs, results, outcomes, traces, "heaptrack" in configs)
    lines.append("")
    lines.append("%d repetition%s, %s sizes; ward: %s." % (reps, "" if reps == 1 else "s", size, WARD))
    for n in notes:
        lines.append("- " + n.replace("|", "\\|"))
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
