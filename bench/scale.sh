#!/usr/bin/env bash
# Finding work at district scale: every filter, search, to-do, nearby and a
# sync page, for each demo role, at 10,000 and at 1,000,000 cases, on
# PostgreSQL and on SQLite, beside pgbench on the same machine.
#
#   bench/scale.sh [runs per request, default 40] [backends, default "postgres sqlite"]
#
# For each backend and size: a fresh database seeded by `gridline admin
# seed-cases` (timed), ANALYZE, the release server, then bench/scale.py times
# each request kind (p50, p95 over the runs, one keep-alive connection).
# bench/scale_report.py prints the table and judges the million against the
# targets: p95 <= 50 ms on PostgreSQL, <= 100 ms on SQLite, and at most
# max(1.5 x the 10k p95, the 10k p95 + 10 ms). The reference beside it:
# pgbench running the newest-first page the list starts from, 1 client.
# At a million it also takes a whole first sync for three roles, page by
# page (bench/sync_crawl.py), 500 cases a page.
# Needs psql, pgbench and sqlite3, a PostgreSQL at GRIDLINE_BENCH_PG, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-40}
BACKENDS=${2:-postgres sqlite}
SIZES=${GRIDLINE_BENCH_SIZES:-10000 1000000}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${GRIDLINE_BENCH_PORT:-18620}
DB=gridline_scale_bench
OUT=$(mktemp -d /tmp/gridline-scale.XXXXXX)
URL="http://127.0.0.1:$PORT"
for tool in psql pgbench sqlite3 python3; do command -v $tool >/dev/null || { echo "$tool is missing"; exit 1; }; done

cargo build --release -q -p gridline-api
BIN=target/release/gridline
export GRIDLINE_LOG=error GRIDLINE_SECRET_KEY=gridline-benchmark-secret-key-0123456789 GRIDLINE_ACCESS_TOKEN_TTL_S=7200

SERVER=
stop_server() { if [ -n "$SERVER" ]; then kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; fi; }
trap 'stop_server; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

# shellcheck source=bench/scale_lib.sh
. bench/scale_lib.sh

run_size() { # backend count
  local backend=$1 count=$2 url
  if [ "$backend" = postgres ]; then
    url="$PG/$DB"
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
  else
    rm -rf "$OUT/sqlite"; mkdir -p "$OUT/sqlite"; url="sqlite://$OUT/sqlite/gridline.db"
  fi
  export GRIDLINE_DATABASE_URL="$url" GRIDLINE_DATA_DIR="$OUT/data-$backend"
  echo "== $backend, $count cases"
  local started=$SECONDS
  "$BIN" admin seed-cases --count "$count" | sed 's/^/   /'
  # CHECKPOINT: the seed's dirty pages are written now, not during the timings.
  if [ "$backend" = postgres ]; then psql -q "$url" -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null; else sqlite3 "$OUT/sqlite/gridline.db" "ANALYZE;"; fi
  echo "   seeded and analysed in $((SECONDS - started)) s"
  GRIDLINE_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$OUT/server-$backend-$count.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 240); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  login_and_ids
  queries | python3 bench/scale.py "$URL" "$OUT/tokens.json" "$RUNS" >"$OUT/$backend-$count.jsonl"
  if [ "$count" = 1000000 ]; then
    echo "== a whole first sync, every page (bench/sync_crawl.py)"
    for user in worker1 staff_urban leader; do python3 bench/sync_crawl.py "$URL" "$user" 500 | sed 's/^/   /'; done
  fi
  stop_server
  if [ "$backend" = postgres ] && [ "$count" = 1000000 ]; then
    echo "== reference: pgbench, the list's newest-first page of 50, 1 client, 200 transactions"
    echo "SELECT id, number, status, created_at FROM cases ORDER BY created_at DESC, id DESC LIMIT 50;" >"$OUT/page.sql"
    (cd "$OUT" && pgbench -n -c 1 -t 200 -f page.sql -l --log-prefix=reference "$url" >pgbench.txt 2>&1)
    cat "$OUT"/reference.* | awk '{print $3 / 1000}' | sort -n | awk '{a[NR]=$1} END {printf "   p50 %.2f ms, p95 %.2f ms\n", a[int(NR*0.5)], a[int(NR*0.95)]}'
  fi
}

for backend in $BACKENDS; do
  for count in $SIZES; do run_size "$backend" "$count"; done
done
python3 bench/scale_report.py "$OUT"
echo "(raw output in $OUT)"
