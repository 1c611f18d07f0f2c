"""Reports through two nodes, one of them killed with SIGKILL half-way; a
client that loses its node retries on the other with the same
Idempotency-Key, as a load balancer or a phone would. Afterwards every
acknowledged report must be there, once.

    python3 bench/faults.py <node A> <node B> <pid of A> <seconds> <token>
"""
import json, os, signal, sys, threading, time, urllib.error, urllib.request, uuid

A, B, PID_A, SECONDS, TOKEN = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
CLIENTS = 8
acknowledged, lock = [], threading.Lock()
tally = {"retried_on_b": 0, "refused": 0, "errors": 0}
killed_at = None


def post(base, body, key):
    req = urllib.request.Request(base + "/api/v1/cases", data=json.dumps(body).encode(), method="POST", headers={
        "authorization": "Bearer " + TOKEN, "content-type": "application/json", "idempotency-key": key})
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.status, json.load(res)


def client(n):
    end = time.monotonic() + SECONDS
    i = 0
    while time.monotonic() < end:
        i += 1
        key = str(uuid.uuid4())
        body = {"category_code": "neighbour_dispute", "description": f"噪音 faults {n}-{i}", "priority": "normal",
                "location": {"lat": 39.902, "lon": 116.402}, "address": "和平路 5 号"}
        order = [A, B] if i % 2 else [B, A]
        for attempt, base in enumerate(order + [order[-1]]):
            try:
                status, case = post(base, body, key)
                with lock:
                    acknowledged.append(case["id"])
                    if attempt:
                        tally["retried_on_b"] += 1
                break
            except urllib.error.HTTPError as e:
                with lock:
                    tally["refused"] += 1
                time.sleep(0.2)
            except Exception:
                with lock:
                    tally["errors"] += 1
                time.sleep(0.05)


threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
started = time.monotonic()
for t in threads:
    t.start()
time.sleep(SECONDS / 2)
os.kill(PID_A, signal.SIGKILL)
killed_at = time.monotonic() - started
for t in threads:
    t.join()

ids = list(acknowledged)
missing = 0
for case_id in ids:
    req = urllib.request.Request(f"{B}/api/v1/cases/{case_id}", headers={"authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            missing += res.status != 200
    except urllib.error.HTTPError:
        missing += 1
print(json.dumps({"seconds": SECONDS, "node_a_killed_at_s": round(killed_at, 1), "acknowledged": len(ids),
                  "distinct": len(set(ids)), "missing_after": missing, **tally}))
