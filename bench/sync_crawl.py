#!/usr/bin/env python3
"""A whole first sync, as a phone that starts empty takes it: every page of
`GET /api/v1/sync` from no cursor until `has_more` is false, timed one by one.

    python3 bench/sync_crawl.py URL USER [limit, default 100]

Prints the cases received, the pages, each page's p50 / p95 / slowest time
(whole answer, one keep-alive connection) and the total, so that the deep
pages of a snapshot at a million cases are measured, not only its first.
The demo users' password is `gridline-demo`.
"""
import http.client
import json
import math
import sys
import time
import urllib.parse


def main():
    base, user = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    url = urllib.parse.urlparse(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)

    def call(method, path, body=None, token=None):
        headers = {"content-type": "application/json"}
        if token:
            headers["authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(body) if body else None, headers=headers)
        res = conn.getresponse()
        data = res.read()
        if res.status != 200:
            sys.exit(f"{method} {path}: {res.status} {data[:300]!r}")
        return json.loads(data)

    token = call("POST", "/api/v1/auth/login", {"username": user, "password": "gridline-demo"})["access_token"]
    cursor, seen, times = None, set(), []
    while True:
        path = f"/api/v1/sync?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        started = time.perf_counter()
        page = call("GET", path, token=token)
        times.append((time.perf_counter() - started) * 1000)
        seen.update(item["case_id"] for item in page["items"])
        cursor = page["next_cursor"]
        if not page["has_more"]:
            break
    ordered = sorted(times)
    at = lambda q: ordered[max(0, math.ceil(len(ordered) * q) - 1)]
    print(f"{user}, limit {limit}: {len(seen)} cases in {len(times)} pages; page p50 {at(0.5):.1f} ms, "
          f"p95 {at(0.95):.1f} ms, slowest {ordered[-1]:.1f} ms; whole sync {sum(times) / 1000:.1f} s")


if __name__ == "__main__":
    main()
