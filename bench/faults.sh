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

. bench/nodes_lib.sh
start_node 18741
start_node 18742
TOKEN=$(token http://127.0.0.1:18742 worker1)
echo "== reports through two nodes for ${SECONDS_TOTAL} s; node A killed with SIGKILL half-way"
python3 bench/faults.py http://127.0.0.1:18741 http://127.0.0.1:18742 "${PIDS[0]}" "$SECONDS_TOTAL" "$TOKEN" | tee "$OUT/faults.json"
echo "== reference on this machine, same run: pgbench tpcb-like, 8 clients, 10 s"
pgbench -i -q -s 1 "$PG/$DB" >/dev/null 2>&1
pgbench -c 8 -j 2 -T 10 "$PG/$DB" 2>/dev/null | grep -E "latency average|^tps"
echo "results in $OUT"
