#!/bin/bash
# make install PREFIX=DIR lays out the contract's files, and the installed
# ward works from any directory, finding its library next to itself.
. "$(dirname "$0")/../lib.sh"
# -o all: install what `make check` built; relinking here would pull the
# binaries from under the tests running beside this one.
make -s -C "$ROOT" -o all install PREFIX="$TMP/prefix" BUILD="$BUILD" >/dev/null 2>"$TMP/err" \
    || fail "make install failed"
for f in bin/ward lib/libward.so include/ward.h lib/pkgconfig/ward.pc share/man/man1/ward.1; do
    [ -f "$TMP/prefix/$f" ] || fail "missing $f"
done
build double_free
cd /
run "$TMP/prefix/bin/ward" run -- "$TMP/double_free"
expect_rc 23
expect_report double-free
run man -l "$TMP/prefix/share/man/man1/ward.1"
expect_rc 0
expect_out "ward"
# The installed pkg-config file points at the installed files.
PKG_CONFIG_PATH=$TMP/prefix/lib/pkgconfig run pkg-config --cflags --libs ward
expect_out "$TMP/prefix/include"
expect_out "-lward"
pass
