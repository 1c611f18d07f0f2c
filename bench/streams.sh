#!/usr/bin/env bash
# Open event streams on one node, changes written through another, both on one
# PostgreSQL: a node's capacity for streams (issue 13 asks for 2,000), their
# memory, and how soon a change through node A reaches every stream on node B
# (issue 13: within 1 s). Beside it, the same machine's reference in the same
# run: pgbench's select-only transactions and one LISTEN/NOTIFY round trip.
#
#   bench/streams.sh [streams, default 2000] [reports, default 20]
set -euo pipefail
cd "$(dirname "$0")/.."

STREAMS=${1:-2000}
REPORTS=${2:-20}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=gridline_streams
OUT=$(mktemp -d /tmp/gridline-streams.XXXXXX)
# Each stream is a socket on both ends; 2,000 streams need more than the usual 1,024.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/nodes_lib.sh
start_node 18701   # node A: writes
start_node 18702   # node B: streams
echo "== $STREAMS streams on node B, $REPORTS reports through node A"
python3 bench/streams.py http://127.0.0.1:18702 http://127.0.0.1:18701 "$STREAMS" "$REPORTS" "${PIDS[1]}" | tee "$OUT/streams.json"

echo "== reference on this machine, same run: pgbench select-only, 8 clients, 10 s"
pgbench -i -q -s 1 "$PG/$DB" >/dev/null 2>&1
pgbench -S -c 8 -j 2 -T 10 "$PG/$DB" 2>/dev/null | grep -E "latency average|^tps"
echo "== reference: LISTEN/NOTIFY round trip through PostgreSQL (python3 + psql)"
python3 - "$PG/$DB" <<'PY'
import subprocess, sys, time
url = sys.argv[1]
listener = subprocess.Popen(["psql", "-qAt", url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
listener.stdin.write("LISTEN bench; SELECT 'ready';\n"); listener.stdin.flush()
listener.stdout.readline()
times = []
for _ in range(20):
    t = time.monotonic()
    subprocess.run(["psql", "-qAt", url, "-c", "NOTIFY bench"], check=True)
    listener.stdin.write("SELECT 1;\n"); listener.stdin.flush()
    while "notification" not in listener.stdout.readline().lower():
        pass
    times.append((time.monotonic() - t) * 1000)
times.sort()
print(f"NOTIFY from a new psql to a listening one: p50 {times[10]:.1f} ms, max {times[-1]:.1f} ms")
listener.kill()
PY
echo "results in $OUT"
