#!/bin/bash
# sqlite3 with one large transaction: 500k rows inserted with blobs, two
# indexes built, 100k rows updated and 71k deleted before COMMIT, with a
# 64 MiB page cache; then range, group and join queries and an integrity
# check. Output and status are the same under ward as without, in the
# default mode with and without the leak check, and ward reports no error.
# (guard=all takes 20 s on this transaction on 2 cores: sqlite.sh runs it on
# 100k rows, and scripts/reliability.sh sqlite on this one.)
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"
cat > "$TMP/work.sql" <<'SQL'
PRAGMA cache_size = -65536;
BEGIN;
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, grp INTEGER, v REAL, payload BLOB);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 500000)
INSERT INTO t SELECT x, printf('name%07d', (x * 7919) % 500009), x % 97, x * 0.25,
                      zeroblob(x % 200) FROM c;
CREATE INDEX t_name ON t(name);
CREATE INDEX t_grp_v ON t(grp, v);
UPDATE t SET v = v * 2 WHERE id % 5 = 0;
DELETE FROM t WHERE id % 7 = 3;
COMMIT;
SELECT count(*), sum(v), sum(length(payload)), max(name) FROM t;
SELECT name, id FROM t WHERE name BETWEEN 'name0250000' AND 'name0250010' ORDER BY name;
SELECT grp, count(*), round(avg(v), 3) FROM t GROUP BY grp ORDER BY count(*) DESC, grp LIMIT 5;
SELECT count(*) FROM t a JOIN t b ON b.id = a.id - 1 WHERE a.grp = 3;
PRAGMA integrity_check;
SQL
# A fresh database file each time.
work=(sh -c 'rm -f "$1" "$1-journal" && sqlite3 "$1" ".read $2"' sh "$TMP/db.sqlite" "$TMP/work.sql")
run "${work[@]}"
expect_rc 0
cp "$TMP/out" "$TMP/plain.out"
for opts in leaks=0 leaks=1; do
    WARD_OPTIONS=$opts run "$WARD" run -- "${work[@]}"
    cmp -s "$TMP/out" "$TMP/plain.out" || {
        diff "$TMP/plain.out" "$TMP/out" | head -20 >&2
        fail "output differs under ward ($opts)"
    }
    expect_rc 0
    expect_no_err "ward: ERROR"
done
expect_out "^428571\|32142928571.5\|42642771\|name0500008$"
expect_out "^3682$"
expect_out "^ok$"
pass
