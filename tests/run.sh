#!/bin/bash
# Runs the integration and real-program tests, two at a time, and prints a
# summary. Usage: tests/run.sh [DIR_OR_SCRIPT...] (default: all)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
if [ $# -eq 0 ]; then set -- tests/integration tests/real; fi
scripts=()
for a in "$@"; do
    if [ -d "$a" ]; then scripts+=("$a"/*.sh); else scripts+=("$a"); fi
done
log=$(mktemp -d)
printf '%s\n' "${scripts[@]}" | xargs -P "${JOBS:-2}" -I{} sh -c \
    'name=$(basename {} .sh); if timeout 600 bash {} >"'"$log"'/$name.out" 2>&1; then echo "ok   $name"; else echo "FAIL $name"; fi' \
    | tee "$log/summary"
failed=$(grep -c '^FAIL' "$log/summary")
for f in $(grep '^FAIL' "$log/summary" | awk '{print $2}'); do
    echo "==== $f ===="; cat "$log/$f.out"
done
echo "$(grep -c '^ok' "$log/summary") passed, $failed failed"
rm -rf "$log"
[ "$failed" -eq 0 ]
