#!/usr/bin/env python3
"""Open streams on one node, changes through another: how many streams a node
holds, what they cost it in memory, and how soon each hears of a change.

    bench/streams.py STREAM_URL WRITE_URL STREAMS REPORTS SERVER_PID

Opens STREAMS event streams (GET /api/v1/me/stream) on STREAM_URL as the
community's dispatcher, then files REPORTS reports through WRITE_URL as
worker1, one every 0.25 s, and times each report's case message on every
stream from the moment its POST was answered. Prints the figures as JSON.
"""
import asyncio
import json
import sys
import time
import urllib.request


def post(url, path, body, token=None):
    req = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.load(res)


def login(url, user):
    return post(url, "/api/v1/auth/login", {"username": user, "password": "gridline-demo"})["access_token"]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def open_fds(pid):
    import os
    return len(os.listdir(f"/proc/{pid}/fd"))


class Stream:
    def __init__(self):
        self.seen = {}  # case id -> monotonic arrival
        self.ready = asyncio.Event()

    async def run(self, host, port, token):
        reader, writer = await asyncio.open_connection(host, port, limit=1 << 20)
        writer.write((f"GET /api/v1/me/stream HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
                      "Accept: text/event-stream\r\n\r\n").encode())
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            raise RuntimeError(status)
        while (await reader.readline()) not in (b"\r\n", b""):
            pass
        self.ready.set()
        event = None
        while True:
            line = await reader.readline()
            if not line:
                return
            line = line.decode(errors="replace").rstrip("\r\n")
            # Chunked transfer: size lines are hex digits alone.
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: ") and event == "case":
                try:
                    case_id = json.loads(line[6:])["id"]
                except (ValueError, KeyError):
                    continue
                self.seen.setdefault(case_id, time.monotonic())


async def main():
    stream_url, write_url, n, reports, pid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    host, port = stream_url.split("//")[1].split(":")
    dispatcher, worker = login(stream_url, "dispatcher_community"), login(write_url, "worker1")
    rss_before, fds_before = rss_kib(pid), open_fds(pid)
    streams = [Stream() for _ in range(n)]
    started = time.monotonic()
    tasks = []
    for i, s in enumerate(streams):
        tasks.append(asyncio.create_task(s.run(host, int(port), dispatcher)))
        if i % 200 == 199:
            await asyncio.sleep(0.05)
    await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), timeout=120)
    opened_s = time.monotonic() - started
    await asyncio.sleep(2)
    rss_open, fds_open = rss_kib(pid), open_fds(pid)
    body = {"category_code": "neighbour_dispute", "description": "噪音扰民 noise at night", "priority": "normal",
            "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"}
    filed = []
    for _ in range(reports):
        case = await asyncio.to_thread(post, write_url, "/api/v1/cases", body, worker)
        filed.append((case["id"], time.monotonic()))
        await asyncio.sleep(0.25)
    await asyncio.sleep(3)
    latencies, missing = [], 0
    for case_id, at in filed:
        for s in streams:
            if case_id in s.seen:
                latencies.append((s.seen[case_id] - at) * 1000)
            else:
                missing += 1
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 1) if latencies else None
    print(json.dumps({
        "streams": n, "reports": reports, "deliveries": len(latencies), "missing": missing,
        "open_all_s": round(opened_s, 2),
        "latency_ms": {"p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99), "max": pick(1.0)},
        "server_rss_mib": {"before": round(rss_before / 1024, 1), "open": round(rss_open / 1024, 1),
                           "per_stream_kib": round((rss_open - rss_before) / n, 1)},
        "server_fds": {"before": fds_before, "open": fds_open},
    }))
    for t in tasks:
        t.cancel()


asyncio.run(main())
