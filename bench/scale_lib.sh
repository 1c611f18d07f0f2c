# The request kinds of bench/scale.sh and how to log in for them, shared by
# scale.sh (fresh databases) and scale_time.sh (a server already running).
# Expects OUT (a scratch directory) and URL (the server) to be set.

queries() { # the request kinds, one JSON line each, for every role
  python3 - "$OUT/ids.json" <<'PY'
import datetime, json, sys
ids = json.load(open(sys.argv[1]))
now = datetime.datetime.now(datetime.timezone.utc)
day = lambda n: (now - datetime.timedelta(days=n)).strftime("%Y-%m-%dT%H:%M:%SZ")
kinds = [
    ("list, newest first", "/api/v1/cases?limit=50"),
    ("status=reported", "/api/v1/cases?limit=50&status=reported"),
    ("status=dispatched,in_progress", "/api/v1/cases?limit=50&status=dispatched,in_progress"),
    ("category_code=environment (a 大类)", "/api/v1/cases?limit=50&category_code=environment"),
    ("priority=urgent", "/api/v1/cases?limit=50&priority=urgent"),
    ("unit_id=a street", f"/api/v1/cases?limit=50&unit_id={ids['street']}"),
    ("grid_id=a grid", f"/api/v1/cases?limit=50&grid_id={ids['grid']}"),
    ("lead_department_id=urban bureau", f"/api/v1/cases?limit=50&lead_department_id={ids['urban']}"),
    ("handler=me", "/api/v1/cases?limit=50&handler=me"),
    ("reporter=me", "/api/v1/cases?limit=50&reporter=me"),
    ("time_limit_status=overdue", "/api/v1/cases?limit=50&time_limit_status=overdue"),
    ("stage=handle", "/api/v1/cases?limit=50&stage=handle"),
    ("suspended=true", "/api/v1/cases?limit=50&suspended=true"),
    ("created_after=30 days ago", f"/api/v1/cases?limit=50&created_after={day(30)}"),
    ("updated_after=7 days ago", f"/api/v1/cases?limit=50&updated_after={day(7)}"),
    ("bbox=a grid's box", "/api/v1/cases?limit=50&bbox=116.400,39.900,116.405,39.905"),
    ("q=飞线 (2 characters)", "/api/v1/cases?limit=50&q=%E9%A3%9E%E7%BA%BF"),
    ("q=垃圾堆放 (common)", "/api/v1/cases?limit=50&q=%E5%9E%83%E5%9C%BE%E5%A0%86%E6%94%BE"),
    ("sort=updated", "/api/v1/cases?limit=50&sort=updated"),
    ("sort=due", "/api/v1/cases?limit=50&sort=due"),
    ("todo", "/api/v1/me/todo?limit=50"),
    ("nearby 500 m", "/api/v1/cases/nearby?lat=39.9025&lon=116.4025&radius_m=500"),
    ("sync, first page", "/api/v1/sync?limit=100"),
]
for role in ["worker1", "dispatcher_community", "dispatcher_district", "staff_urban", "leader"]:
    for label, path in kinds:
        print(json.dumps({"role": role, "label": label, "path": path}, ensure_ascii=False))
PY
}

login_and_ids() { # writes $OUT/tokens.json and $OUT/ids.json
  python3 - "$URL" >"$OUT/tokens.json" <<'PY'
import json, sys, urllib.request
base = sys.argv[1]
tokens = {}
for user in ["worker1", "dispatcher_community", "dispatcher_district", "staff_urban", "leader", "admin"]:
    if user == "admin":
        continue
    req = urllib.request.Request(f"{base}/api/v1/auth/login", method="POST", headers={"content-type": "application/json"},
                                 data=json.dumps({"username": user, "password": "gridline-demo"}).encode())
    tokens[user] = json.load(urllib.request.urlopen(req))["access_token"]
print(json.dumps(tokens))
PY
  python3 - "$URL" "$OUT/tokens.json" >"$OUT/ids.json" <<'PY'
import json, sys, urllib.request
base, tokens = sys.argv[1], json.load(open(sys.argv[2]))
get = lambda path: json.load(urllib.request.urlopen(urllib.request.Request(
    f"{base}{path}", headers={"authorization": f"Bearer {tokens['leader']}"})))
units = {u["code"]: u["id"] for u in get("/api/v1/org-units")}
departments = {d["code"]: d["id"] for d in get("/api/v1/departments")}
print(json.dumps({"street": units["DEMO-E"], "grid": units["DEMO-E-C1-G1"], "urban": departments["DEMO-URBAN"]}))
PY
}
