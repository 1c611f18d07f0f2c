#!/usr/bin/env python3
"""Turns the statements PostgreSQL logged while the server answered ONE request
into a pgbench script that runs exactly that SQL.

The server is run against a database with log_min_duration_statement = 0, so
PostgreSQL itself logs every statement the server sends, with its bound
parameters. Nothing here is written by hand: the statements and values are the
logged ones. The only change is that values a create must not repeat (the new
case's id and number, its events' ids) become per-transaction pgbench
expressions, so that every pgbench transaction inserts new rows as the API does.

usage: pgscript.py LOGFILE DATABASE {create|read} > script.sql
"""
import re
import sys

LINE = re.compile(r"^\S+ \S+ \S+ \[(\d+)\] \S*@(\S+) (LOG|DETAIL):  (.*)$")
STMT = re.compile(r"duration: [\d.]+ ms  (execute [^:]+|statement|parse [^:]+|bind [^:]+): (.*)$")
PARAM = re.compile(r"\$(\d+) = (NULL|'(?:[^']|'')*')")


def statements(path, database):
    """Executed statements in log order, each with the parameters logged
    right after its execute line (per backend process)."""
    out = []
    last = {}  # pid -> index in out of its last executed statement, or None after parse/bind
    for raw in open(path, encoding="utf-8", errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m or m.group(2) != database:
            continue
        pid, kind, text = m.group(1), m.group(3), m.group(4)
        if kind == "LOG":
            s = STMT.match(text)
            if not s:
                continue
            if s.group(1).startswith(("parse", "bind")):
                last[pid] = None
            else:
                out.append([s.group(2), {}])
                last[pid] = len(out) - 1
        elif kind == "DETAIL" and text.startswith("parameters: ") and last.get(pid) is not None:
            out[last[pid]][1] = {int(n): v for n, v in PARAM.findall(text)}
    return out


def bind(sql, params):
    return re.sub(r"\$(\d+)", lambda m: params.get(int(m.group(1)), m.group(0)), sql)


def main():
    path, database, mode = sys.argv[1:4]
    logged = [(sql, params) for sql, params in statements(path, database) if "cache_versions" not in sql]
    if not logged:
        sys.exit("no statements were logged for database " + database)
    fresh = {}
    reserved = 0
    if mode == "create":
        for sql, params in logged:
            # A new case's INSERT, alone or in front of its events' (WITH new_case AS (...)).
            case_insert = re.search(r"(?:^|new_case AS \()INSERT INTO cases .*?\)\s*(?:VALUES\s*\((.*?)\))", sql, re.S)
            offset = 0
            if case_insert:
                fresh[params[1]] = "(md5('c' || :client_id || '.' || :r)::uuid)"
                fresh[params[2]] = "('b' || :client_id || '.' || :r)"
                offset = len(re.findall(r"\$\d+", case_insert.group(1)))
            if "INSERT INTO case_events " in sql:
                # One row of 15 values per event; each event's number is one
                # its transaction reserved.
                # Only the events' own values: riders (notifications, webhook
                # rows) may follow them in the same statement.
                values = re.search(r"INSERT INTO case_events .*? VALUES (.*?) RETURNING", sql, re.S)
                count = len(re.findall(r"\$\d+", values.group(1))) if values else len(params) - offset
                # A statement that reserves its own numbers (a report on
                # PostgreSQL) sends 14 values per event, the number as a subquery.
                width = 14 if "reserve_case_event_seqs(" in sql else 15
                for first in range(offset + 1, offset + count + 1, width):
                    fresh[params[first]] = "(md5('e%d' || :client_id || '.' || :r)::uuid)" % len(fresh)
                    if width == 15:
                        reserved += 1
                        params[first + 14] = ":s%d" % reserved
    print("-- captured from PostgreSQL's statement log during one real request")
    print("\\set r random(1, 9000000000000000000)")
    for sql, params in logged:
        if sql.startswith("SELECT reserve_case_event_seqs"):
            n = int(params[1].strip("'"))
            columns = ", ".join("s[%d] AS s%d" % (i, i) for i in range(1, n + 1))
            print("SELECT %s FROM (SELECT reserve_case_event_seqs(%d) AS s) reserved \\gset" % (columns, n))
            continue
        line = bind(sql, params)
        for literal, expression in fresh.items():
            line = line.replace(literal, expression)
        print(line.rstrip(";") + ";")


if __name__ == "__main__":
    main()
