#!/usr/bin/env bash
# kill -9 of one of two nodes under a stream of reports (issue 14): every
# acknowledged report is present afterwards, once. Clients that lose node A
# retry on node B with the same Idempotency-Key. Beside it, in the same run,
# PostgreSQL's pgbench (tpcb-like writes) as the machine's reference.
#
#   bench/faults.sh [seconds, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL=${1:-20}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=gridline_faults
OUT=$(mktemp -d /tmp/gridline-faults.XXXXXX)

cargo build --release -q -p gridline-api
BIN=target/release/gridline
PIDS=()
start() { # port
  GRIDLINE_DATABASE_URL="$PG/$DB" GRIDLINE_DATA_DIR="$OUT/data" GRIDLINE_LISTEN="127.0.0.1:$1" GRIDLINE_LOG=warn \
  GRIDLINE_ACCESS_TOKEN_TTL_S=7200 GRIDLINE_SECRET_KEY=gridline-benchmark-secret-key-0123456789 \
  GRIDLINE_DEMO_PASSWORD=gridline-demo \
    "$BIN" serve --demo >>"$OUT/server-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "the server on $1 did not start; see $OUT"; exit 1
}
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null 2>&1
start 18741
start 18742
TOKEN=$(curl -sf "http://127.0.0.1:18742/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"worker1","password":"gridline-demo"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
echo "== reports through two nodes for ${SECONDS_TOTAL} s; node A killed with SIGKILL half-way"
python3 bench/faults.py http://127.0.0.1:18741 http://127.0.0.1:18742 "${PIDS[0]}" "$SECONDS_TOTAL" "$TOKEN" | tee "$OUT/faults.json"
echo "== reference on this machine, same run: pgbench tpcb-like, 8 clients, 10 s"
pgbench -i -q -s 1 "$PG/$DB" >/dev/null 2>&1
pgbench -c 8 -j 2 -T 10 "$PG/$DB" 2>/dev/null | grep -E "latency average|^tps"
echo "results in $OUT"
