#!/bin/bash
# A C++ program with std::map, std::string and exceptions runs the same
# under ward, with leak checking on.
. "$(dirname "$0")/../lib.sh"
build cxx_clean
WARD_OPTIONS_EXTRA=leaks=1 same_as_plain "$TMP/cxx_clean"
expect_out "^1000 7143 1000 100$"
pass
