#!/usr/bin/env bash
# A long run at half a node's peak (issue 14): no 5xx, and the server's
# resident memory after warm-up grows by less than 10%. Reads by an
# open-loop generator at 50% of the peak measured first, with reports
# written beside them; the server's RSS sampled every 10 s. Beside it, in
# the same run, PostgreSQL's pgbench select-only as the machine's reference.
#
#   bench/soak.sh [minutes, default 30]
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${1:-30}
PG=${GRIDLINE_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
DB=gridline_soak
OUT=$(mktemp -d /tmp/gridline-soak.XXXXXX)
PORT=18751
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

. bench/nodes_lib.sh
cargo build --release -q --manifest-path bench/loadgen/Cargo.toml --target-dir target/bench
LOAD=target/bench/release/gridline-loadgen
start_node "$PORT"
PID=${PIDS[0]}
BASE="http://127.0.0.1:$PORT"
WORKER=$(token "$BASE" worker1)
DISPATCHER=$(token "$BASE" dispatcher_community)
CASE=$(report "$BASE" "$WORKER" soak)
URL="$BASE/api/v1/cases/$CASE"
PEAK=$("$LOAD" closed "$URL" "$DISPATCHER" 8 10 | python3 -c 'import json,sys; print(json.load(sys.stdin)["goodput_rps"])')
HALF=$(python3 -c "print(round($PEAK * 0.5))")
SECS=$((MINUTES * 60))
echo "== ${MINUTES} min: reads at ${HALF}/s (50% of a ${PEAK}/s peak) and 10 reports/s; RSS every 10 s"

python3 - "$BASE" "$WORKER" "$SECS" >"$OUT/writes.json" <<'PY' &
import json, sys, time, urllib.error, urllib.request
base, token, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
tally, end, n = {}, time.monotonic() + secs, 0
while time.monotonic() < end:
    n += 1
    body = {"category_code": "neighbour_dispute", "description": f"噪音 soak {n}", "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"}
    req = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(body).encode(), method="POST",
                                 headers={"authorization": "Bearer " + token, "content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            status = res.status
    except urllib.error.HTTPError as e:
        status = e.code
    except Exception:
        status = "error"
    tally[str(status)] = tally.get(str(status), 0) + 1
    time.sleep(0.1)
print(json.dumps({"writes_by_status": tally}))
PY
WRITER=$!
( for _ in $(seq 1 $((SECS / 10))); do
    sleep 10
    awk '/VmRSS/ {print $2}' "/proc/$PID/status"
  done ) >"$OUT/rss.txt" &
SAMPLER=$!
"$LOAD" open "$URL" "$DISPATCHER" "$HALF:$SECS:soak" | tee "$OUT/reads.json"
wait "$WRITER"; wait "$SAMPLER" || true
cat "$OUT/writes.json"
python3 - "$OUT/rss.txt" "$OUT/reads.json" "$OUT/writes.json" <<'PY'
import json, sys
rss = [int(l) for l in open(sys.argv[1]) if l.strip()]
reads = json.loads(open(sys.argv[2]).readline())
writes = json.load(open(sys.argv[3]))["writes_by_status"]
warm = max(1, len(rss) // 5)  # the first fifth is warm-up
after = rss[warm:] or rss
growth = (max(after) - after[0]) / after[0]
five_xx = reads["shed_503"] + sum(v for k, v in writes.items() if k.startswith("5") or k == "error")
print(f"RSS: {after[0] / 1024:.1f} MiB after warm-up, at most {max(after) / 1024:.1f} MiB, "
      f"at the end {rss[-1] / 1024:.1f} MiB: growth {growth:.1%} (target < 10%)")
print(f"reads: {reads['ok']} served, p99 {reads['ok_p99_ms']} ms; 5xx or failures, reads and writes: "
      f"{five_xx + reads['other_status'] + reads['failed']} (target 0)")
PY
echo "== reference on this machine, same run: pgbench select-only, 8 clients, 10 s"
pgbench -i -q -s 1 "$PG/$DB" >/dev/null 2>&1
pgbench -S -c 8 -j 2 -T 10 "$PG/$DB" 2>/dev/null | grep -E "latency average|^tps"
echo "results in $OUT"
