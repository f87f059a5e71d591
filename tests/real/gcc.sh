#!/bin/bash
# gcc -O2 (driver, cc1, as, collect2, ld: child processes all under ward)
# builds the same binary as without ward.
. "$(dirname "$0")/../lib.sh"
command -v gcc >/dev/null || fail "gcc is not installed"
cat > "$TMP/prog.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
struct item { int key; const char *name; };
static int cmp(const void *a, const void *b) { return ((const struct item *)a)->key - ((const struct item *)b)->key; }
int main(void) {
    struct item v[] = { {3, "three"}, {1, "one"}, {2, "two"} };
    qsort(v, 3, sizeof *v, cmp);
    for (int i = 0; i < 3; i++) printf("%d %s\n", v[i].key, v[i].name);
    return 0;
}
C
run gcc -O2 -o "$TMP/plain" "$TMP/prog.c"
expect_rc 0
for mode in "" ":guard=all"; do
    WARD_OPTIONS=leaks=0$mode run "$WARD" run -- gcc -O2 -o "$TMP/warded" "$TMP/prog.c"
    expect_rc 0
    expect_no_err "ward: ERROR"
    cmp -s "$TMP/plain" "$TMP/warded" || fail "gcc built a different binary under ward$mode"
done
same_as_plain "$TMP/warded"
expect_out "^1 one$"
pass
