#!/usr/bin/env python3
"""Times GET requests against a running Gridline: for each (role, label, path)
on stdin as JSON lines, RUNS timed requests after two warm-ups, on one
keep-alive connection; prints one JSON line per request kind with p50 and p95
in milliseconds (time to the whole answer, on this machine) and the items of
the first answer.

The timings are taken in rounds, each timing every kind once, so that a
moment when the machine stalls costs any one kind one timing at most: taken
back to back, a stall of a few tens of milliseconds could take two of a
kind's twenty timings, and the second slowest of twenty is its p95 (nearest
rank; until 2026-12-06 this script took the slowest, a p100).

    python3 bench/scale.py http://127.0.0.1:18620 tokens.json 20 < queries.jsonl
"""
import http.client
import json
import math
import sys
import time
import urllib.parse

base, tokens_file, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
tokens = json.load(open(tokens_file))
host = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(host.hostname, host.port, timeout=60)


def get(path, token):
    conn.request("GET", path, headers={"authorization": f"Bearer {token}"})
    res = conn.getresponse()
    body = res.read()
    return res.status, body


kinds = []
for line in sys.stdin:
    if not line.strip():
        continue
    q = json.loads(line)
    token = tokens[q["role"]]
    status, body = get(q["path"], token)
    if status != 200:
        print(json.dumps({**q, "error": status, "body": body[:300].decode("utf-8", "replace")}), flush=True)
        continue
    answer = json.loads(body)
    items = len(answer["items"]) if isinstance(answer, dict) and "items" in answer else None
    get(q["path"], token)
    kinds.append((q, token, items, []))

for _ in range(runs):
    for q, token, _, times in kinds:
        start = time.perf_counter()
        get(q["path"], token)
        times.append((time.perf_counter() - start) * 1000)

for q, _, items, times in kinds:
    times.sort()
    # Nearest rank: the p95 of twenty timings is the 19th, not the slowest.
    at = lambda p: times[max(0, math.ceil(p * len(times)) - 1)]
    print(json.dumps({**q, "items": items, "p50": round(at(0.5), 2), "p95": round(at(0.95), 2)}), flush=True)
