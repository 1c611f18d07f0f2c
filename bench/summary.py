#!/usr/bin/env python3
"""Prints the benchmark's figures from wrk's and pgbench's output."""
import glob
import os
import re
import sys

out, locked = sys.argv[1], sys.argv[2]
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(name):
    text = open(os.path.join(out, name)).read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    pct = {p: float(v) * UNITS[u] for p, v, u in re.findall(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return rate, pct.get("50"), pct.get("99"), int(errors.group(1)) if errors else 0


def pgbench(name, prefix):
    text = open(os.path.join(out, name)).read()
    rate = float(re.search(r"tps = ([\d.]+)", text).group(1))
    lat = []
    for path in glob.glob(os.path.join(out, prefix + "*")):
        for line in open(path):
            fields = line.split()
            if len(fields) >= 3:
                lat.append(int(fields[2]) / 1000.0)
    lat.sort()
    at = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] if lat else float("nan")
    return rate, at(0.50), at(0.99)


print()
print(f"{'':16}{'API req/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8} | {'pgbench tps':>12}{'p50 ms':>9}{'p99 ms':>9} | {'API/pgbench':>11}")
for label, w, p, prefix in [("create a case", "wrk-create.txt", "pgbench-create.txt", "pgb-create"),
                            ("read a case", "wrk-read.txt", "pgbench-read.txt", "pgb-read")]:
    a_rate, a50, a99, a_err = wrk(w)
    p_rate, p50, p99 = pgbench(p, prefix)
    print(f"{label:16}{a_rate:>11.0f}{a50:>9.2f}{a99:>9.2f}{a_err:>8} | {p_rate:>12.0f}{p50:>9.2f}{p99:>9.2f} | {a_rate / p_rate:>10.0%}")
runs = [pgbench(f"pgbench-minimal-{when}.txt", f"pgb-minimal-{when}") for when in ("before", "after")]
m_rate = sum(r[0] for r in runs) / len(runs)
print("reference (one INSERT into cases, one into case_events): "
      + ", ".join(f"{when} the API {r[0]:.0f} tps (p50 {r[1]:.2f} ms, p99 {r[2]:.2f} ms)"
                  for when, r in zip(("before", "after"), runs))
      + f"; mean {m_rate:.0f} tps")
for label, name in [("a plain report (1 event)", "wrk-create-plain.txt"),
                    ("a report accepted and dispatched at once (3 events)", "wrk-create.txt")]:
    c_rate, c50, c99, c_err = wrk(name)
    print(f"  API, {label}: {c_rate:.0f} creates/s, p50 {c50:.2f} ms, p99 {c99:.2f} ms, non-2xx {c_err}: "
          f"{c_rate / m_rate:.0%} of the reference (target 60%)")
s_rate, s50, s99, s_err = wrk("wrk-sqlite.txt")
print(f"SQLite, 64 writers: {s_rate:.0f} creates/s, p50 {s50:.2f} ms, p99 {s99:.2f} ms, "
      f"non-2xx {s_err}, 'database is locked' {locked}")
