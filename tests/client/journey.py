"""A case's whole journey, driven through a client generated from
openapi/openapi.json by openapi-python-client (no hand edits), as the apps
and third-party systems would drive it.

    python journey.py BASE_URL     (the generated package `gridline_api_client` on sys.path)
"""

import sys
import uuid

from gridline_api_client import AuthenticatedClient, Client
from gridline_api_client.api.auth import log_in
from gridline_api_client.api.cases import (
    accept_case,
    dispatch_case,
    get_case,
    list_case_events,
    record_case_feedback,
    report_case,
    resolve_case,
    start_case,
    verify_case,
)
from gridline_api_client.api.org import list_departments
from gridline_api_client.models import (
    CaseAction,
    CaseStatus,
    CaseView,
    DepartmentKind,
    Dispatch,
    EventType,
    Location,
    LoginRequest,
    PhoneFeedback,
    Priority,
    Problem,
    Rating,
    ReportCase,
    Resolution,
    TokenResponse,
    Verification,
)

BASE = sys.argv[1]
PASSWORD = "gridline-demo"


def expect(answer, status, kind):
    """The answer has the status and parsed into the type the document names."""
    assert answer.status_code == status, f"expected {status}, got {answer.status_code}: {answer.content!r}"
    assert isinstance(answer.parsed, kind), f"expected {kind.__name__}, got {answer.parsed!r}"
    return answer.parsed


def signed_in(username):
    answer = log_in.sync_detailed(client=Client(base_url=BASE), body=LoginRequest(username=username, password=PASSWORD))
    token = expect(answer, 200, TokenResponse).access_token
    return AuthenticatedClient(base_url=BASE, token=token, raise_on_unexpected_status=True)


def step(module, client, case, status, **kwargs):
    """Takes a step on the version read last, as a careful client does."""
    answer = module.sync_detailed(case.id, client=client, if_match=f'"{case.version}"', **kwargs)
    moved = expect(answer, 200, CaseView)
    assert moved.status == status, f"{module.__name__}: {moved.status}"
    assert moved.version == case.version + 1
    return moved


worker = signed_in("worker1")
dispatcher = signed_in("dispatcher_community")
staff = signed_in("staff_urban")

report = ReportCase(
    category_code="neighbour_dispute",
    description="邻里噪音纠纷 noise between neighbours, reported by the generated client",
    priority=Priority.NORMAL,
    location=Location(lat=39.902, lon=116.402),
    address="和平路 5 号 2 单元",
)
key = str(uuid.uuid4())
case = expect(report_case.sync_detailed(client=worker, body=report, idempotency_key=key), 201, CaseView)
assert case.status == CaseStatus.REPORTED
# A phone that lost the answer sends again with the same key: the same case, not a second one.
again = report_case.sync_detailed(client=worker, body=report, idempotency_key=key)
assert expect(again, 201, CaseView).id == case.id
assert again.headers.get("Idempotent-Replayed") == "true"

case = step(accept_case, dispatcher, case, CaseStatus.ACCEPTED)
departments = expect(
    list_departments.sync_detailed(client=dispatcher, kind=DepartmentKind.URBAN_MANAGEMENT), 200, list
)
urban = next(d for d in departments if d.code == "DEMO-URBAN")
body = Dispatch(lead_department_id=urban.id, note="请尽快调解 please mediate")
case = step(dispatch_case, dispatcher, case, CaseStatus.DISPATCHED, body=body)
assert case.lead_department_id == urban.id and case.due_at is not None
case = step(start_case, staff, case, CaseStatus.IN_PROGRESS)
case = step(resolve_case, staff, case, CaseStatus.RESOLVED, body=Resolution(note="已调解 mediated"))
case = step(verify_case, worker, case, CaseStatus.CLOSED, body=Verification(passed=True, note="核查通过 verified"))

read = expect(get_case.sync_detailed(case.id, client=dispatcher), 200, CaseView)
# Closed: what is left to the owning unit's dispatcher is the follow-up call (回访).
assert read.status == CaseStatus.CLOSED and read.allowed_actions == [CaseAction.FEEDBACK], read.allowed_actions

timeline = expect(list_case_events.sync_detailed(case.id, client=dispatcher), 200, list)
assert [e.type_ for e in timeline] == [
    EventType.REPORTED,
    EventType.ACCEPTED,
    EventType.DISPATCHED,
    EventType.STARTED,
    EventType.RESOLVED,
    EventType.VERIFIED,
], timeline

# A step in the wrong state: a typed problem that says why and what is possible.
late = accept_case.sync_detailed(case.id, client=dispatcher)
problem = expect(late, 409, Problem)
assert problem.status == 409 and problem.code == "invalid_state", problem
assert problem.case_status == CaseStatus.CLOSED and problem.allowed_actions == [CaseAction.FEEDBACK]

# A stale version: 412 with the current one.
stale = start_case.sync_detailed(case.id, client=staff, if_match='"1"')
problem = expect(stale, 412, Problem)
assert problem.status == 412 and problem.version == case.version, problem

# 回访: the dispatcher records what the resident said on the phone, once.
called = expect(
    record_case_feedback.sync_detailed(
        case.id, client=dispatcher, body=PhoneFeedback(rating=Rating.BASICALLY_SATISFIED, comment="还算满意 fine")
    ),
    201,
    CaseView,
)
assert called.rating == Rating.BASICALLY_SATISFIED and called.allowed_actions == [], called

print(f"journey complete: case {case.number} closed in {len(timeline)} events")
