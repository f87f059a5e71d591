#!/bin/sh
# The quick start: installs what is missing, builds ward, and runs it on
# the bundled coroutine scheduler (docs/examples/coro_scheduler.c), where a
# consumer keeps a message across a yield while the producer frees it.
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -s -j2 >/dev/null
mkdir -p build/examples
cc -g -O0 -Ilib -o build/examples/coro_scheduler docs/examples/coro_scheduler.c
cc -g -O1 -o build/examples/lru_cache docs/examples/lru_cache.c
echo "\$ ward run -- build/examples/coro_scheduler held-across-yield"
status=0
build/bin/ward run -- build/examples/coro_scheduler held-across-yield || status=$?
echo "(exit status $status: ward found the bug; more in docs/coroutines.md)"
echo
echo "\$ ward run -- build/examples/lru_cache"
status=0
build/bin/ward run -- build/examples/lru_cache 2>&1 | grep -E "ERROR|SUMMARY" || true
echo "(double frees and a leak in an LRU cache; run it yourself for the stacks)"
