#!/bin/bash
# ward's operator new and delete with the C++ runtime around them: a
# library's constructor that joins a thread calling new (under the dynamic
# linker's lock) does not hang; a C++ plugin loaded RTLD_LOCAL by a C
# program still gets std::bad_alloc; a library that replaces the operators
# keeps them and draws no report, also built -Bsymbolic-functions; a
# pinned new [] block resized in place is realloc's afterwards; the checks
# can be turned off.
. "$(dirname "$0")/../lib.sh"
CXX=${CXX:-c++}
so() {   # NAME FLAGS...: builds tests/progs/NAME.cpp as $TMP/NAME.so
    local name=$1; shift
    $CXX -g -shared -fPIC -o "$TMP/$name.so" "$ROOT/tests/progs/$name.cpp" -pthread "$@" ||
        fail "cannot build $name.so"
}

so cxx_ctor_lib
build cxx_ctor_host -ldl
run timeout 60 "$WARD" run -- "$TMP/cxx_ctor_host" "$TMP/cxx_ctor_lib.so"
[ "$RC" -ne 124 ] || fail "a thread's new inside a library constructor hung"
expect_rc 0
expect_out "^constructor done$"
expect_out "^dlopen ok$"

so cxx_plugin
build cxx_plugin_host -ldl
ward_run -- "$TMP/cxx_plugin_host" "$TMP/cxx_plugin.so" huge
expect_rc 0
expect_out "^caught bad_alloc$"
expect_out "^plugin_run: 100$"

for flags in "" "-Wl,-Bsymbolic-functions"; do
    so cxx_count_lib $flags
    build cxx_count_use "$TMP/cxx_count_lib.so" -Wl,-rpath,"$TMP"
    run "$TMP/cxx_count_use"
    cp "$TMP/out" "$TMP/plain.out"
    ward_run -- "$TMP/cxx_count_use"
    expect_rc 0
    expect_no_report
    cmp -s "$TMP/out" "$TMP/plain.out" || fail "the library's operators were not used ($flags)"
    expect_out "called [1-9][0-9]* times"
done

build cxx_mismatch -std=c++17
ward_run -- "$TMP/cxx_mismatch" pinned-realloc
expect_rc 23
[ "$(grep -c 'ERROR: alloc-dealloc-mismatch' "$TMP/err")" -eq 1 ] ||
    fail "a pinned block resized in place was reported again at its free"
expect_out "still alive"

ward_run --alloc_dealloc_mismatch=0 -- "$TMP/cxx_mismatch" new-free
expect_rc 0
expect_no_report
ward_run --new_delete_type_mismatch=0 -- "$TMP/cxx_mismatch" base-delete
expect_rc 0
expect_no_report
pass
