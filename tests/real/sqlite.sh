#!/bin/bash
# sqlite3 creating, filling and querying a table of 100k rows behaves the
# same under ward.
. "$(dirname "$0")/../lib.sh"
command -v sqlite3 >/dev/null || fail "sqlite3 is not installed"
cat > "$TMP/work.sql" <<'SQL'
CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, v REAL);
WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000)
INSERT INTO t SELECT x, 'name' || x, x * 0.5 FROM c;
CREATE INDEX t_name ON t(name);
SELECT count(*), sum(v), max(length(name)) FROM t;
SELECT name FROM t WHERE name LIKE 'name9999%' ORDER BY id LIMIT 3;
SELECT id % 10 AS k, count(*) FROM t GROUP BY k ORDER BY k LIMIT 2;
SQL
# A fresh database file each time: journal, page cache and all.
same_as_plain sh -c 'rm -f "$1" && sqlite3 "$1" ".read $2"' sh "$TMP/db.sqlite" "$TMP/work.sql"
expect_out "^100000\|2500025000"
pass
