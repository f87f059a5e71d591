#!/usr/bin/env python3
"""ward's benchmark driver: runs workloads under several configurations,
repeated and interleaved (the machine is noisy), and prints the median wall
time and peak RSS of each, as ratios to plain glibc.

    scripts/bench.py [--reps N] [--workloads a,b] [--configs x,y] [--markdown FILE]

Never used by the tests: timings are figures to record, not to assert.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
BENCH = os.path.join(BUILD, "bench")
WARD = os.path.join(BUILD, "bin", "ward")


def build_workloads():
    os.makedirs(BENCH, exist_ok=True)
    src_dir = os.path.join(ROOT, "scripts", "bench")
    for name in sorted(os.listdir(src_dir)):
        if not name.endswith(".c"):
            continue
        out = os.path.join(BENCH, name[:-2])
        src = os.path.join(src_dir, name)
        if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(src):
            subprocess.check_call(["cc", "-O2", "-g", "-pthread", "-o", out, src])


# name -> command line; sized to run about a second under plain glibc.
WORKLOADS = {
    "malloc_heavy": [os.path.join(BENCH, "malloc_heavy"), "16000000", "2"],
}

# name -> (command prefix, extra environment)
CONFIGS = {
    "plain": ([], {}),
    "ward": ([WARD, "run", "--leaks=0", "--"], {}),
    "ward-q256M": ([WARD, "run", "--leaks=0", "--quarantine=256M", "--"], {}),
}


def run_once(cmd, env):
    full_env = dict(os.environ, **env)
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=full_env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s failed (status %d): %s" % (" ".join(cmd), os.waitstatus_to_exitcode(status), err[-2000:]))
    return elapsed, usage.ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--workloads", default=",".join(WORKLOADS))
    ap.add_argument("--configs", default=",".join(CONFIGS))
    ap.add_argument("--markdown", help="also write the table to this file")
    args = ap.parse_args()
    build_workloads()
    workloads = args.workloads.split(",")
    configs = args.configs.split(",")
    results = {(w, c): [] for w in workloads for c in configs}
    for rep in range(args.reps):
        order = [(w, c) for w in workloads for c in configs]
        random.shuffle(order)
        for w, c in order:
            prefix, env = CONFIGS[c]
            results[(w, c)].append(run_once(prefix + WORKLOADS[w], env))
        print("round %d/%d done" % (rep + 1, args.reps), file=sys.stderr)
    lines = ["| workload | config | median time (s) | time / plain | peak RSS (MiB) | RSS / plain |",
             "|---|---|---|---|---|---|"]
    for w in workloads:
        base_t = statistics.median(t for t, _ in results[(w, "plain")]) if "plain" in configs else None
        base_m = statistics.median(m for _, m in results[(w, "plain")]) if "plain" in configs else None
        for c in configs:
            t = statistics.median(x for x, _ in results[(w, c)])
            m = statistics.median(y for _, y in results[(w, c)])
            lines.append("| %s | %s | %.3f | %s | %.1f | %s |" % (
                w, c, t, "%.2fx" % (t / base_t) if base_t else "-",
                m / 2**20, "%.2fx" % (m / base_m) if base_m else "-"))
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")


if __name__ == "__main__":
    main()
