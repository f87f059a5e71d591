#!/bin/bash
# qemu-img runs its block layer in coroutines: entered once with
# swapcontext, then switched with siglongjmp, which ward does not see.
# Converting an image and comparing it behaves the same under ward, with
# no error, and ward follows the coroutines by their stacks.
. "$(dirname "$0")/../lib.sh"
command -v qemu-img >/dev/null || fail "qemu-img (Debian package qemu-utils) is not installed"
# 16 MiB of varied, partly zero data, so that qcow2 has clusters to skip.
python3 -c '
import sys, random
random.seed(3)
out = sys.stdout.buffer
for i in range(256):
    out.write(bytes(65536) if i % 5 == 0 else random.randbytes(65536))
' > "$TMP/disk.raw"
same_as_plain sh -c 'rm -f "$1" && qemu-img convert -O qcow2 "$2" "$1" && qemu-img compare "$2" "$1"' \
    sh "$TMP/disk.qcow2" "$TMP/disk.raw"
expect_out "^Images are identical"
# The coroutines are seen and switch: yields are counted by stack pointer.
WARD_OPTIONS=leaks=0:selfref=off ward_run --stats=1 -- qemu-img convert -O qcow2 "$TMP/disk.raw" \
    "$TMP/again.qcow2"
expect_rc 0
expect_no_err "ward: ERROR"
expect_err "coroutines at exit:"
awk '/^  coroutine [0-9]+ / {
        for (i = 3; i < NF; i++)
            if ($i ~ /^(made|running|suspended|finished)$/ && $(i + 1) + 0 > 1) { n++; break }
     } END { exit !(n >= 2) }' "$TMP/err" \
    || fail "no coroutine was seen yielding more than once"
pass
