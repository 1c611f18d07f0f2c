#!/usr/bin/env bash
# A district-wide month of figures at a million cases, beside the bare SQL.
#
#   bench/stats.sh [cases, default 1000000]
#
# 1. Seeds a fresh PostgreSQL database with `gridline admin seed-cases --count N`
#    (the demo district, cases reported over two years with their timelines),
#    and prints how long that took.
# 2. Asks GET /api/v1/stats as the district leader for the last 30 days:
#    totals only, grouped by grid and grouped by day, 30 times each, and
#    prints p50 and p95 of the answer time (curl's total, on this machine).
# 3. The reference, in the same run: pgbench executing the one SELECT the
#    server sends for that month, 30 times, p50 and p95.
# Needs pgbench and psql, a PostgreSQL at GRIDLINE_BENCH_PG, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${1:-1000000}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
PORT=${GRIDLINE_BENCH_PORT:-18610}
DB=gridline_stats_bench
OUT=$(mktemp -d /tmp/gridline-stats.XXXXXX)
URL="http://127.0.0.1:$PORT"
RUNS=30
command -v pgbench >/dev/null || { echo "pgbench is missing (Debian: postgresql-client)"; exit 1; }

cargo build --release -q -p gridline-api
BIN=target/release/gridline
export GRIDLINE_DATABASE_URL="$PG/$DB" GRIDLINE_DATA_DIR="$OUT/data" GRIDLINE_LOG=error \
  GRIDLINE_SECRET_KEY=gridline-benchmark-secret-key-0123456789

SERVER=
trap 'kill $SERVER 2>/dev/null || true; wait $SERVER 2>/dev/null || true; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null

echo "== seeding $COUNT cases"
"$BIN" admin seed-cases --count "$COUNT" | sed 's/^/   /'
psql -q "$PG/$DB" -c "VACUUM ANALYZE" >/dev/null
psql -qAt "$PG/$DB" -c "SELECT '   ' || count(*) || ' cases, ' || (SELECT count(*) FROM case_events) || ' events, ' || pg_size_pretty(pg_database_size(current_database())) FROM cases"

GRIDLINE_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$OUT/server.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 120); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
TOKEN=$(curl -sf -X POST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"leader","password":"gridline-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

percentiles() { python3 -c '
import sys
xs = sorted(float(x) * 1000 for x in sys.stdin.read().split())
at = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))]
print(f"p50 {at(0.5):7.1f} ms   p95 {at(0.95):7.1f} ms   ({len(xs)} runs)")'; }

api() { # label query
  curl -sf "$URL/api/v1/stats?$2" -H "authorization: Bearer $TOKEN" -o "$OUT/last.json" # warm
  local n
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totals"]["reported"])' "$OUT/last.json")
  for _ in $(seq 1 "$RUNS"); do
    curl -sf -o /dev/null -w '%{time_total}\n' "$URL/api/v1/stats?$2" -H "authorization: Bearer $TOKEN"
  done | { printf '   %-34s %8s cases  ' "$1" "$n"; percentiles; }
}

echo "== GET /api/v1/stats, the district, the last 30 days, as the district leader"
api "totals" ""
api "group_by=grid" "group_by=grid"
api "group_by=day" "group_by=day"
api "group_by=category" "group_by=category"

echo "== reference: pgbench, the server's SELECT for the same month, 1 client"
read -r DISTRICT < <(psql -qAt "$PG/$DB" -c "SELECT path FROM org_units WHERE code = 'DEMO'")
FROM=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%F) -29 days" --iso-8601=seconds)
TO=$(TZ=Asia/Shanghai date -d "$(TZ=Asia/Shanghai date +%F) +1 day" --iso-8601=seconds)
cat >"$OUT/month.sql" <<SQL
SELECT c.grid_id, c.grid_path, c.lead_department_id, c.category_code, c.reporter_user_id, c.reported_by_grid_worker, c.created_at, c.status, c.resolved_on_site, c.due_at, c.warn_at, c.suspended_at, c.trail, c.first_dispatched_at, c.last_resolved_at FROM cases c WHERE c.created_at >= '$FROM' AND c.created_at < '$TO' AND c.grid_path LIKE '$DISTRICT%';
SQL
(cd "$OUT" && pgbench -n -c 1 -t "$RUNS" -f month.sql -l --log-prefix=latency "$PG/$DB" >pgbench.txt 2>&1)
cat "$OUT"/latency.* | awk '{print $3 / 1000000}' | { printf '   %-34s %8s        ' "the SELECT alone" ""; percentiles; }
echo "(raw output in $OUT)"
