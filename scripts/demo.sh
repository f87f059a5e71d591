#!/bin/sh
# The quick start: installs what is missing, builds ward, and runs it on a
# bundled example with a real bug (docs/examples/lru_cache.c).
set -e
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make -s -j2 >/dev/null
mkdir -p build/examples
cc -g -O1 -o build/examples/lru_cache docs/examples/lru_cache.c
echo "\$ ward run -- build/examples/lru_cache"
status=0
build/bin/ward run -- build/examples/lru_cache || status=$?
echo "(exit status $status: ward found errors)"
