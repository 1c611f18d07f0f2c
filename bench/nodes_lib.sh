# Sourced by the benchmarks that run Gridline nodes on one PostgreSQL
# (overload, soak, faults, streams): a fresh database, nodes on it with the
# demo district, a demo user's token, and everything stopped and dropped at
# exit. The caller sets PG, DB and OUT first; further GRIDLINE_* settings
# come from its environment.

cargo build --release -q -p gridline-api
BIN=target/release/gridline
PIDS=()

stop_nodes() {
  jobs -p | xargs -r kill 2>/dev/null || true
  wait 2>/dev/null || true
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap stop_nodes EXIT
psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null 2>&1

start_node() { # port [cpu to pin it to]; its pid is appended to PIDS
  local pin=()
  [ -n "${2:-}" ] && pin=(taskset -c "$2")
  GRIDLINE_DATABASE_URL="$PG/$DB" GRIDLINE_DATA_DIR="$OUT/data" GRIDLINE_LISTEN="127.0.0.1:$1" GRIDLINE_LOG="${GRIDLINE_LOG:-warn}" \
  GRIDLINE_ACCESS_TOKEN_TTL_S=86400 GRIDLINE_SECRET_KEY=gridline-benchmark-secret-key-0123456789 \
  GRIDLINE_DEMO_PASSWORD=gridline-demo \
    "${pin[@]}" "$BIN" serve --demo >>"$OUT/server-$1.log" 2>&1 &
  PIDS+=($!)
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0; sleep 0.5; done
  echo "the node on $1 did not start; see $OUT"; exit 1
}

token() { # base-url username
  curl -sf "$1/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$2\",\"password\":\"gridline-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

report() { # base-url token note: a case's id
  curl -sf "$1/api/v1/cases" -H "authorization: Bearer $2" -H 'content-type: application/json' \
    -d "{\"category_code\":\"neighbour_dispute\",\"description\":\"噪音扰民 $3\",\"priority\":\"normal\",\"location\":{\"lat\":39.902,\"lon\":116.402},\"address\":\"和平路 5 号\"}" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
