#!/bin/bash
# python3 with json, re, threading and a large sort behaves the same under ward.
. "$(dirname "$0")/../lib.sh"
command -v python3 >/dev/null || fail "python3 is not installed"
cat > "$TMP/work.py" <<'PY'
import json, re, threading, random
random.seed(7)
data = [{"id": i, "name": "item%d" % i, "tags": ["t%d" % (i % 13)] * (i % 4)}
        for i in range(30000)]
text = json.dumps(data)
back = json.loads(text)
assert back == data
words = re.findall(r"item(\d+)", text)
results = {}
def worker(n):
    xs = [random.random() for _ in range(50000)]
    results[n] = sorted(xs)[:2] != []
threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
for t in threads: t.start()
for t in threads: t.join()
big = sorted(range(300000), key=lambda x: (x * 7919) % 300007)
print(len(back), len(words), sorted(results), big[:3], sum(big) % 1000)
PY
same_as_plain python3 "$TMP/work.py"
expect_out "^30000 30000 \[0, 1, 2, 3\]"
pass
