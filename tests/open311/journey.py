"""A city's Open311 client, unchanged, against Gridline: the published
`georeport` library (PyPI) reads services, a service's definition, requests
and one request, in JSON and in XML; the request is filed the way such a
client files one (the library has no POST), form-encoded with an API key.

    python journey.py BASE_URL API_KEY
"""

import sys

import requests
from georeport import GeoReport

BASE = sys.argv[1]
KEY = sys.argv[2]
ROOT = f"{BASE}/open311/v2"


def check(condition, message):
    if not condition:
        raise SystemExit(f"open311 journey: {message}")


def as_list(value):
    """xmltodict gives one element as a dict and several as a list."""
    return value if isinstance(value, list) else [value]


clients = {fmt: GeoReport(ROOT, jurisdiction="DEMO", output_format=fmt) for fmt in ("json", "xml")}

for fmt, client in clients.items():
    services = as_list(client.get_service_list())
    codes = [s["service_code"] for s in services]
    check("sanitation" in codes, f"{fmt}: sanitation is offered: {codes}")
    check("neighbour_dispute" not in codes, f"{fmt}: a private matter is not offered")
    sanitation = next(s for s in services if s["service_code"] == "sanitation")
    check(str(sanitation["metadata"]).lower() == "false", f"{fmt}: metadata false: {sanitation}")
    check(sanitation["group"] == "市容环境", f"{fmt}: group is the 大类: {sanitation}")
    definition = client.get_service_definition("sanitation")
    check(definition["service_code"] == "sanitation", f"{fmt}: definition: {definition}")

# Filed as the specification's example files it, with the hotline's ticket number.
form = {
    "api_key": KEY,
    "jurisdiction_id": "DEMO",
    "service_code": "sanitation",
    "lat": "39.902",
    "long": "116.402",
    "address_string": "1234 5th street",
    "email": "smit222@example.org",
    "device_id": "tt222111",
    "account_id": "123456",
    "first_name": "john",
    "last_name": "smith",
    "phone": "111111111",
    "description": "A large sinkhole is destroying the street",
    "media_url": "http://farm3.static.flickr.com/2002/2212426634_5ed477a060.jpg",
    "external_ref": "12345-0001",
}
answer = requests.post(f"{ROOT}/requests.json", data=form, timeout=10)
check(answer.status_code == 201, f"filed: {answer.status_code} {answer.text}")
filed = answer.json()[0]
number, token = filed["service_request_id"], filed["token"]
again = requests.post(f"{ROOT}/requests.json", data=form, timeout=10)
check(again.status_code == 200 and again.json()[0]["service_request_id"] == number, "the ticket number files once")

for fmt, client in clients.items():
    found = as_list(client.get_service_requests(service_code="sanitation", status="open"))
    check(number in [r["service_request_id"] for r in found], f"{fmt}: listed: {found}")
    one = client.get_service_request(number)
    check(one["service_request_id"] == number, f"{fmt}: by id: {one}")
    check(one["status"] == "open", f"{fmt}: open: {one}")
    check(one["service_code"] == "sanitation", f"{fmt}: service: {one}")
    check(float(one["lat"]) == 39.902 and float(one["long"]) == 116.402, f"{fmt}: point: {one}")
    text = str(one)
    for private in ("john", "smith", "111111111", "smit222"):
        check(private not in text, f"{fmt}: {private} is not published: {text}")

token_answer = requests.get(f"{ROOT}/tokens/{token}.json", timeout=10).json()
check(token_answer == [{"service_request_id": number, "token": token}], f"token: {token_answer}")
error = requests.get(f"{ROOT}/requests/1999-000001.json", timeout=10)
check(error.status_code == 404 and error.json()[0]["code"] == 404, f"an Open311 error: {error.text}")
print(f"open311 journey: filed {number} (token {token}), read back through georeport in json and xml")
