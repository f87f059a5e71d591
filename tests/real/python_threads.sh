#!/bin/bash
# python3 with 8 threads taking 200 tasks from a queue.Queue: each builds
# and drops dicts, lists and strings, round-trips JSON, updates a dict shared
# under a lock and hashes its result into another queue. PYTHONMALLOC=malloc
# sends every object through ward rather than pymalloc's arenas. The output
# and status are the same under ward (default and guard=all) as without,
# and ward reports no error.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || fail "python3 is not installed"
cat > "$TMP/work.py" <<'PY'
import queue, threading, hashlib, json

N_THREADS, N_TASKS = 8, 200
tasks, results = queue.Queue(maxsize=64), queue.Queue()
shared, shared_lock = {}, threading.Lock()

def work(n):
    # dicts, lists and strings, made and dropped in every task
    words = ["w%d_%s" % (i, "x" * (i % 17)) for i in range(n % 300 + 200)]
    index = {}
    for i, w in enumerate(words):
        index.setdefault(w[:3], []).append(i)
    text = " ".join(reversed(words))
    parts = text.split(" ")
    parts.sort(key=lambda s: (len(s), s))
    counts = {}
    for ch in text:
        counts[ch] = counts.get(ch, 0) + 1
    blob = json.dumps({"n": n, "idx": index, "counts": counts}, sort_keys=True)
    back = json.loads(blob)
    assert back["n"] == n
    with shared_lock:                      # a dict shared by all threads
        shared[n] = parts[-1]
        if len(shared) > 100:
            shared.pop(min(shared))
    return hashlib.sha256((blob + parts[0] + parts[-1]).encode()).hexdigest()[:16]

def worker():
    while True:
        n = tasks.get()
        if n is None:
            tasks.task_done()
            return
        results.put((n, work(n)))
        tasks.task_done()

threads = [threading.Thread(target=worker, name="worker%d" % i) for i in range(N_THREADS)]
for t in threads:
    t.start()
for n in range(N_TASKS):
    tasks.put(n)
for _ in threads:
    tasks.put(None)
tasks.join()
for t in threads:
    t.join()
out = sorted(results.get() for _ in range(N_TASKS))
assert results.empty() and len(out) == N_TASKS
digest = hashlib.sha256("".join(h for _, h in out).encode()).hexdigest()
print(N_THREADS, "threads", N_TASKS, "tasks", len(shared), "shared", digest[:32])
PY
export PYTHONMALLOC=malloc
same_as_plain python3 "$TMP/work.py"
expect_out "^8 threads 200 tasks 100 shared [0-9a-f]{32}$"
pass
