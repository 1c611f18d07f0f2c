#!/usr/bin/env bash
# Peak memory (VmHWM) of the server under 200 parallel logins at the default
# Argon2id cost, beside its idle peak and the issue's bound:
# idle + (concurrency + 2) x 19 MiB + 32 MB.  Usage: bash bench/login_memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release
dir=$(mktemp -d); port=18099
GRIDLINE_LISTEN=127.0.0.1:$port GRIDLINE_DATA_DIR="$dir" GRIDLINE_PASSWORD_HASH_CONCURRENCY=2 \
  GRIDLINE_LOGIN_MAX_FAILURES_PER_ADDR=100000 GRIDLINE_ADMIN_PASSWORD=bench-admin-password \
  target/release/gridline serve --demo >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
curl -s -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"worker1","password":"gridline-demo"}' "http://127.0.0.1:$port/api/v1/auth/login"
idle=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
python3 - "$port" <<'PY'
import json, sys, urllib.request, urllib.error, concurrent.futures as cf
url = f"http://127.0.0.1:{sys.argv[1]}/api/v1/auth/login"
def login(i):
    body = json.dumps({"username": f"visitor{i}", "password": "not-a-password"}).encode()
    req = urllib.request.Request(url, data=body, headers={"content-type": "application/json"})
    try:
        return urllib.request.urlopen(req).status
    except urllib.error.HTTPError as e:
        return e.code
with cf.ThreadPoolExecutor(200) as pool:
    answers = list(pool.map(login, range(200)))
print("answers:", {s: answers.count(s) for s in sorted(set(answers))})
PY
peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
bound=$((idle + 4 * 19456 + 32768))
echo "idle VmHWM ${idle} KiB, peak ${peak} KiB, bound ${bound} KiB"
