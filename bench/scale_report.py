#!/usr/bin/env python3
"""The scale benchmark's table: for each backend, request kind and role, the
p50/p95 at 10,000 and at 1,000,000 cases, and whether the million meets its
targets (p95 within 50 ms on PostgreSQL, 100 ms on SQLite, and at most
max(1.5 x its 10k p95, its 10k p95 + 10 ms)).

    python3 bench/scale_report.py OUT_DIR
"""
import json
import os
import sys

out = sys.argv[1]
LIMIT = {"postgres": 50.0, "sqlite": 100.0}


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    rows = [json.loads(l) for l in open(path) if l.strip()]
    return {(r["role"], r["label"]): r for r in rows}


misses = 0
for backend in ("postgres", "sqlite"):
    small, large = load(f"{backend}-10000.jsonl"), load(f"{backend}-1000000.jsonl")
    if not large:
        continue
    print(f"\n{backend}: p50 / p95 ms at 10,000 and at 1,000,000 cases")
    print(f"{'request':<44} {'role':<22} {'10k p50':>8} {'10k p95':>8} {'1M p50':>8} {'1M p95':>8}  verdict")
    for key, big in large.items():
        role, label = key
        if "error" in big:
            print(f"{label:<44} {role:<22} error {big['error']}: {big.get('body', '')[:80]}")
            misses += 1
            continue
        base = small.get(key, {})
        b95 = base.get("p95", float("nan"))
        bound = min(LIMIT[backend], max(1.5 * b95, b95 + 10)) if base else LIMIT[backend]
        ok = big["p95"] <= bound
        misses += 0 if ok else 1
        print(
            f"{label:<44} {role:<22} {base.get('p50', float('nan')):>8.1f} {b95:>8.1f} "
            f"{big['p50']:>8.1f} {big['p95']:>8.1f}  {'ok' if ok else 'MISS (bound %.1f)' % bound}"
        )
print(f"\n{misses} request kinds miss their target" if misses else "\nevery request kind meets its target")
