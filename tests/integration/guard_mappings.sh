#!/bin/bash
# Guard mode as on kernels without guard markers (before Linux 6.13):
# every guard test again, with a mapping of its own per guarded block.
WARD_TEST_OPTIONS=guard_markers=0 exec bash "$(dirname "$0")/guard.sh"
