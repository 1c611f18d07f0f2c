#!/usr/bin/env bash
# Finding work at district scale: every filter, search, to-do, nearby and a
# sync page, for each demo role, at 10,000 and at 1,000,000 cases, on
# PostgreSQL and on SQLite, beside pgbench on the same machine.
#
#   bench/scale.sh [runs per request, default 20] [backends, default "postgres sqlite"]
#
# For each backend and size: a fresh database seeded by `gridline admin
# seed-cases` (timed), ANALYZE, the release server, then bench/scale.py times
# each request kind (p50, p95 over the runs, one keep-alive connection).
# bench/scale_report.py prints the table and judges the million against the
# targets: p95 <= 50 ms on PostgreSQL, <= 100 ms on SQLite, and at most
# max(1.5 x the 10k p95, the 10k p95 + 10 ms). The reference beside it:
# pgbench running the newest-first page the list starts from, 1 client.
# Needs psql, pgbench and sqlite3, a PostgreSQL at GRIDLINE_BENCH_PG, python3.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-20}
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
stop_server() { [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; SERVER=; }; }
trap 'stop_server; psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true' EXIT

queries() { # the request kinds, one JSON line each, for every role
  python3 - "$OUT/ids.json" <<'PY'
import datetime, json, sys
ids = json.load(open(sys.argv[1]))
now = datetime.datetime.now(datetime.timezone.utc)
day = lambda n: (now - datetime.timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
kinds = [
    ("list, newest first", "/api/v1/cases?limit=50"),
    ("status=reported", "/api/v1/cases?limit=50&status=reported"),
    ("status=dispatched,in_progress", "/api/v1/cases?limit=50&status=dispatched,in_progress"),
    ("category_code=environment (a 大类)", "/api/v1/cases?limit=50&category_code=environment"),
    ("priority=urgent", "/api/v1/cases?limit=50&priority=urgent"),
    ("unit_id=a street", f"/api/v1/cases?limit=50&unit_id={ids['street']}"),
    ("grid_id=a grid", f"/api/v1/cases?limit=50&grid_id={ids['grid']}"),
    ("lead_department_id=urban bureau", f"/api/v1/cases?limit=50&lead_department_id={ids['urban']}"),
    ("handler=me", "/api/v1/cases?limit=50&handler=me"),
    ("reporter=me", "/api/v1/cases?limit=50&reporter=me"),
    ("time_limit_status=overdue", "/api/v1/cases?limit=50&time_limit_status=overdue"),
    ("stage=handle", "/api/v1/cases?limit=50&stage=handle"),
    ("suspended=true", "/api/v1/cases?limit=50&suspended=true"),
    ("created_after=30 days ago", f"/api/v1/cases?limit=50&created_after={day(30)}"),
    ("updated_after=7 days ago", f"/api/v1/cases?limit=50&updated_after={day(7)}"),
    ("bbox=a grid's box", "/api/v1/cases?limit=50&bbox=116.400,39.900,116.405,39.905"),
    ("q=飞线 (2 characters)", "/api/v1/cases?limit=50&q=%E9%A3%9E%E7%BA%BF"),
    ("q=垃圾堆放 (common)", "/api/v1/cases?limit=50&q=%E5%9E%83%E5%9C%BE%E5%A0%86%E6%94%BE"),
    ("sort=updated", "/api/v1/cases?limit=50&sort=updated"),
    ("sort=due", "/api/v1/cases?limit=50&sort=due"),
    ("todo", "/api/v1/me/todo?limit=50"),
    ("nearby 500 m", "/api/v1/cases/nearby?lat=39.9025&lon=116.4025&radius_m=500"),
    ("sync, first page", "/api/v1/sync?limit=100"),
]
for role in ["worker1", "dispatcher_community", "dispatcher_district", "staff_urban", "leader"]:
    for label, path in kinds:
        print(json.dumps({"role": role, "label": label, "path": path}, ensure_ascii=False))
PY
}

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
  if [ "$backend" = postgres ]; then psql -q "$url" -c "VACUUM ANALYZE" >/dev/null; else sqlite3 "$OUT/sqlite/gridline.db" "ANALYZE;"; fi
  echo "   seeded and analysed in $((SECONDS - started)) s"
  GRIDLINE_LISTEN="127.0.0.1:$PORT" "$BIN" serve >"$OUT/server-$backend-$count.log" 2>&1 &
  SERVER=$!
  for _ in $(seq 1 240); do curl -sf "$URL/readyz" >/dev/null 2>&1 && break; sleep 0.5; done
  python3 - "$URL" >"$OUT/tokens.json" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
tokens = {}
for user in ["worker1", "dispatcher_community", "dispatcher_district", "staff_urban", "leader", "admin"]:
    if user == "admin":
        continue
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST", headers={"content-type": "application/json"},
                                 data=json.dumps({"username": user, "password": "gridline-demo"}).encode())
    tokens[user] = json.load(urllib.request.urlopen(req))["access_token"]
print(json.dumps(tokens))
PY
  python3 - "$URL" "$OUT/tokens.json" >"$OUT/ids.json" <<'PY'
import json, sys, urllib.request
base, tokens = sys.argv[1], json.load(open(sys.argv[2]))
get = lambda path: json.load(urllib.request.urlopen(urllib.request.Request(
    f"{base}{path}", headers={"authorization": f"Bearer {tokens['leader']}"})))
units = {u["code"]: u["id"] for u in get("/api/v1/org-units")}
departments = {d["code"]: d["id"] for d in get("/api/v1/departments")}
print(json.dumps({"street": units["DEMO-E"], "grid": units["DEMO-E-C1-G1"], "urban": departments["DEMO-URBAN"]}))
PY
  queries | python3 bench/scale.py "$URL" "$OUT/tokens.json" "$RUNS" >"$OUT/$backend-$count.jsonl"
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
