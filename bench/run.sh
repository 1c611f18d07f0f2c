#!/usr/bin/env bash
# The API's speed beside PostgreSQL's own on the same machine and the same SQL.
#
#   bench/run.sh [seconds per run, default 15]
#
# 1. Captures, from PostgreSQL's statement log, the SQL that one real
#    POST /api/v1/cases and one GET /api/v1/cases/{id} execute (with their
#    bound values), and turns each into a pgbench script (bench/pgscript.py).
# 2. Loads the API with wrk at 32 connections (realistic report bodies, valid
#    tokens), then runs pgbench with those scripts at 32 connections.
# 3. Runs a fixed reference beside it: pgbench of one transaction with one
#    INSERT into cases and one into case_events, the least a create must do,
#    and compares both a plain report and one dispatched at once with it.
# 4. Loads the API on SQLite with 64 concurrent writers and counts errors.
# Prints rates, p50/p99, the API/pgbench ratios and the API's creates/s as a
# share of the reference transaction. Needs: wrk (installed from
# Debian if missing), pgbench and psql, a PostgreSQL at GRIDLINE_BENCH_PG whose
# log file (GRIDLINE_BENCH_PG_LOG) this user can read, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

SECS=${1:-15}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PGLOG=${GRIDLINE_BENCH_PG_LOG:-$(ls /var/log/postgresql/postgresql-*-main.log 2>/dev/null | head -n 1)}
PORT=${GRIDLINE_BENCH_PORT:-18600}
DB=gridline_bench
OUT=$(mktemp -d /tmp/gridline-bench.XXXXXX)
URL="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "installing wrk (Debian package)"; apt-get install -y -qq wrk >/dev/null; }
command -v pgbench >/dev/null || { echo "pgbench is missing (Debian: postgresql-client)"; exit 1; }
[ -r "$PGLOG" ] || { echo "cannot read PostgreSQL's log ($PGLOG); set GRIDLINE_BENCH_PG_LOG"; exit 1; }

cargo build --release -q -p gridline-api
BIN=target/release/gridline

SERVER=
start_server() { # database-url data-dir pool
  GRIDLINE_DATABASE_URL="$1" GRIDLINE_DATA_DIR="$2" GRIDLINE_LISTEN="127.0.0.1:$PORT" GRIDLINE_LOG=error \
  GRIDLINE_CACHE_POLL_MS=60000 GRIDLINE_ACCESS_TOKEN_TTL_S=7200 GRIDLINE_DB_MAX_CONNECTIONS="$3" \
  GRIDLINE_SECRET_KEY=gridline-benchmark-secret-key-0123456789 \
  GRIDLINE_MAX_IN_FLIGHT=1000 \
    "$BIN" serve --demo >>"$OUT/server.log" 2>&1 &
  # The bound is raised: this measures what a node serves, not what it refuses
  # (bench/overload.sh measures that); 64 writers would be shed at 16.
  SERVER=$!
  for _ in $(seq 1 120); do curl -sf "$URL/readyz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "the server did not start; see $OUT/server.log"; exit 1
}
stop_server() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
trap 'stop_server; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

token() {
  curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"worker1","password":"gridline-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}
BODY='{"category_code":"sanitation","description":"垃圾堆放 rubbish by the gate","priority":"normal","location":{"lat":39.902,"lon":116.402},"address":"和平路1号","source":"grid_worker"}'
report() { curl -sf -X POST "$URL/api/v1/cases" -H "authorization: Bearer $1" -H 'content-type: application/json' -d "$BODY"; }
log_size() { stat -c %s "$PGLOG"; }

psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null

echo "== capturing the SQL of one create and one read from PostgreSQL's statement log"
psql -q "$PG/postgres" -c "ALTER DATABASE $DB SET log_min_duration_statement = 0" >/dev/null
start_server "$PG/$DB" "$OUT/capture" 32
TOKEN=$(token)
report "$TOKEN" >/dev/null   # warm up: statements prepared, caches filled
from=$(log_size)
ID=$(report "$TOKEN" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
sleep 1
tail -c +"$((from + 1))" "$PGLOG" >"$OUT/create.log"
from=$(log_size)
curl -sf "$URL/api/v1/cases/$ID" -H "authorization: Bearer $TOKEN" >/dev/null
sleep 1
tail -c +"$((from + 1))" "$PGLOG" >"$OUT/read.log"
stop_server
psql -q "$PG/postgres" -c "ALTER DATABASE $DB RESET log_min_duration_statement" >/dev/null
python3 bench/pgscript.py "$OUT/create.log" "$DB" create >"$OUT/create.sql"
python3 bench/pgscript.py "$OUT/read.log" "$DB" read >"$OUT/read.sql"
echo "   create: $(grep -vc '^[-\\]' "$OUT/create.sql") statements, read: $(grep -vc '^[-\\]' "$OUT/read.sql") statements ($OUT/*.sql)"

# The reference: the least a create must write. It runs just before and just
# after the API, so that both see the same machine; the API's creates/s are
# printed as a share of the two runs' mean.
read -r GRID GRID_PATH OWNER OWNER_PATH < <(psql -qAt -F ' ' "$PG/$DB" -c \
  "SELECT g.id, g.path, o.id, o.path FROM org_units g JOIN org_units o ON o.id = g.parent_id WHERE g.kind = 'grid' ORDER BY g.code LIMIT 1")
cat >"$OUT/minimal.sql" <<SQL
\\set n random(1, 1000000000000)
BEGIN;
INSERT INTO cases (id, number, status, category_code, priority, description, lat, lon, address, grid_id, grid_path, owner_unit_id, owner_path, reported_by_grid_worker, source, resolved_on_site, rework_count, version, created_at, updated_at) VALUES (md5('ref-' || :client_id || '-' || :n)::uuid, 'ref-' || :client_id || '-' || :n, 'reported', 'sanitation', 'normal', '垃圾堆放 rubbish by the gate', 39.902, 116.402, '和平路1号', '$GRID', '$GRID_PATH', '$OWNER', '$OWNER_PATH', true, 'grid_worker', false, 0, 1, now(), now());
INSERT INTO case_events (id, case_id, type, actor_kind, actor_label, at, to_status, internal, changes) VALUES (gen_random_uuid(), md5('ref-' || :client_id || '-' || :n)::uuid, 'reported', 'system', 'bench', now(), 'reported', false, '{}');
END;
SQL

reference() { # label
  echo "== reference ($1): pgbench, one INSERT into cases and one into case_events per transaction, 32 connections, ${SECS}s"
  psql -q "$PG/$DB" -c CHECKPOINT >/dev/null
  (cd "$OUT" && pgbench -n -c 32 -j 2 -T "$SECS" -f minimal.sql -l --log-prefix="pgb-minimal-$1" "$PG/$DB" >"pgbench-minimal-$1.txt" 2>&1)
}

reference before

echo "== API on PostgreSQL, 32 connections, ${SECS}s each"
psql -q "$PG/$DB" -c CHECKPOINT >/dev/null
start_server "$PG/$DB" "$OUT/data" 32
export GRIDLINE_BENCH_TOKEN
GRIDLINE_BENCH_TOKEN=$(token)
for _ in $(seq 1 100); do report "$GRIDLINE_BENCH_TOKEN"; echo; done |
  python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in sys.stdin if l.strip()]' >"$OUT/ids"
export GRIDLINE_BENCH_IDS="$OUT/ids"
wrk -t2 -c32 -d"${SECS}s" --latency -s bench/post_case.lua "$URL/api/v1/cases" >"$OUT/wrk-create.txt"
# A plain report (not accepted at once: one event), the least a create is.
GRIDLINE_BENCH_CATEGORY=illegal_construction \
  wrk -t2 -c32 -d"${SECS}s" --latency -s bench/post_case.lua "$URL/api/v1/cases" >"$OUT/wrk-create-plain.txt"
wrk -t2 -c32 -d"${SECS}s" --latency -s bench/get_case.lua "$URL" >"$OUT/wrk-read.txt"
stop_server
reference after

echo "== pgbench on the captured SQL, 32 connections, ${SECS}s each"
(cd "$OUT" && pgbench -n -c 32 -j 2 -T "$SECS" -f create.sql -l --log-prefix=pgb-create "$PG/$DB" >pgbench-create.txt 2>&1)
(cd "$OUT" && pgbench -n -c 32 -j 2 -T "$SECS" -f read.sql -l --log-prefix=pgb-read "$PG/$DB" >pgbench-read.txt 2>&1)

echo "== API on SQLite, 64 concurrent writers, ${SECS}s"
: >"$OUT/server.log"
start_server "sqlite://$OUT/sqlite/gridline.db" "$OUT/sqlite" 16
GRIDLINE_BENCH_TOKEN=$(token)
wrk -t2 -c64 -d"${SECS}s" --latency -s bench/post_case.lua "$URL/api/v1/cases" >"$OUT/wrk-sqlite.txt"
stop_server
LOCKED=$(grep -c "database is locked" "$OUT/server.log" || true)

python3 bench/summary.py "$OUT" "$LOCKED"
echo "(raw output in $OUT)"
