#!/usr/bin/env bash
# Times the request kinds of bench/scale.sh against a Gridline already
# running on a seeded database, so that a change to a plan can be measured
# without seeding a million cases again (which scale.sh does, and which the
# README's figures come from).
#
#   bench/scale_time.sh URL [runs per request, default 20] [regex over role and kind]
#
# Prints, for each request kind, the slowest role's p50 and p95 in ms.
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:?usage: bench/scale_time.sh URL [runs] [regex]}
RUNS=${2:-20}
MATCH=${3:-.}
OUT=$(mktemp -d /tmp/gridline-scale-time.XXXXXX)
# shellcheck source=bench/scale_lib.sh
. bench/scale_lib.sh
login_and_ids
queries | grep -E "$MATCH" | python3 bench/scale.py "$URL" "$OUT/tokens.json" "$RUNS" >"$OUT/times.jsonl"
python3 - "$OUT/times.jsonl" <<'PY'
import json, sys
slowest = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "error" in r:
        print(f"{r['label']:<44} {r['role']:<22} error {r['error']}")
        continue
    if r["label"] not in slowest or r["p95"] > slowest[r["label"]]["p95"]:
        slowest[r["label"]] = r
for label, r in slowest.items():
    print(f"{label:<44} {r['role']:<22} p50 {r['p50']:>7.1f}  p95 {r['p95']:>7.1f}  items {r['items']}")
PY
echo "(raw output in $OUT)"
