#!/bin/bash
# In a setuid program ward does not trust its environment: WARD_OPTIONS
# could make a privileged process create files. Linked with -lward, run as
# an ordinary user, the program gets no checks and ward creates nothing.
. "$(dirname "$0")/../lib.sh"
[ "$(id -u)" -eq 0 ] || fail "this test needs root (to make a setuid program)"
command -v setpriv >/dev/null || fail "setpriv (util-linux) is missing"
export PKG_CONFIG_PATH=$BUILD/lib/pkgconfig
build leaky $(pkg-config --cflags --libs ward)
chmod 755 "$TMP"
run "$TMP/leaky"
expect_rc 23                              # not setuid: checked as usual
chown root:root "$TMP/leaky"
chmod 4755 "$TMP/leaky"
mkdir -m 777 "$TMP/drop"
WARD_OPTIONS="log_path=$TMP/drop/owned:exitcode=99" run setpriv --reuid=65534 --regid=65534 \
    --clear-groups "$TMP/leaky"
expect_rc 0
expect_no_report
[ ! -e "$TMP/drop/owned" ] || fail "ward wrote a file for a setuid process"
pass
