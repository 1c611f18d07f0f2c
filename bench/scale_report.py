#!/usr/bin/env python3
"""The scale benchmark's table: for each backend, request kind and role, the
p50/p95 at 10,000 and at 1,000,000 cases, and whether the million meets its
targets (p95 within 50 ms on PostgreSQL, 100 ms on SQLite, and at most
max(1.5 x its 10k p95, its 10k p95 + 10 ms)).

    python3 bench/scale_report.py OUT_DIR [--markdown]

With --markdown it prints the README's tables instead: for each backend and
request kind, the role slowest at a million cases, its p50 / p95 at 10,000
and at 1,000,000, a p95 that misses its bound in bold.
"""
import json
import os
import sys

out = sys.argv[1]
markdown = "--markdown" in sys.argv[2:]
LIMIT = {"postgres": 50.0, "sqlite": 100.0}


def load(name):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return {}
    rows = [json.loads(l) for l in open(path) if l.strip()]
    return {(r["role"], r["label"]): r for r in rows}


def bound_of(backend, base):
    b95 = base.get("p95", float("nan"))
    return min(LIMIT[backend], max(1.5 * b95, b95 + 10)) if base else LIMIT[backend]


def tables():
    for backend in ("postgres", "sqlite"):
        small, large = load(f"{backend}-10000.jsonl"), load(f"{backend}-1000000.jsonl")
        if not large:
            continue
        slowest = {}
        for (role, label), big in large.items():
            if "error" in big:
                continue
            if label not in slowest or big["p95"] > slowest[label][1]["p95"]:
                slowest[label] = (role, big)
        print(f"\n{backend}\n\n| request | slowest role | 10k | 1M |\n|---|---|---|---|")
        for label, (role, big) in slowest.items():
            base = small.get((role, label), {})
            p95 = f"{big['p95']:.1f}"
            if big["p95"] > bound_of(backend, base):
                p95 = f"**{p95}**"
            print(f"| {label} | {role} | {base.get('p50', float('nan')):.1f} / {base.get('p95', float('nan')):.1f} "
                  f"| {big['p50']:.1f} / {p95} |")


if markdown:
    tables()
    sys.exit(0)

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
        bound = bound_of(backend, base)
        ok = big["p95"] <= bound
        misses += 0 if ok else 1
        print(
            f"{label:<44} {role:<22} {base.get('p50', float('nan')):>8.1f} {b95:>8.1f} "
            f"{big['p50']:>8.1f} {big['p95']:>8.1f}  {'ok' if ok else 'MISS (bound %.1f)' % bound}"
        )
print(f"\n{misses} request kinds miss their target" if misses else "\nevery request kind meets its target")
