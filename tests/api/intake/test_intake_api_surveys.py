"""Satisfaction comes from the customer: a signed, single-use, expiring survey link read by
staff once the request is resolved, answered without a bearer token; an agent only records
an answer given by phone, marked as such (docs/domain.md §11)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import httpx

from events.service.auth import issue_token
from events.service.survey import SurveySigner

#: The intake API tier's fixtures (tests/api/intake/conftest.py): the agent desk and its clock.
Desk = Any
MovableClock = Any

QUALIFICATION = {
    "category": "billing",
    "profile": "b2c",
    "impact": "medium",
    "urgency": "low",
    "workaround": "available",
}


def ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def problem(response: httpx.Response, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith("/" + kind), body
    return body


def resolved(desk: Desk) -> dict[str, Any]:
    request = ok(desk.command(desk.new_request(), "acknowledge"))
    request = ok(desk.command(request, "qualification", QUALIFICATION))
    return ok(desk.command(request, "resolution", {"resolution": "avoir de 42 €"}))


def survey_link(desk: Desk, request: dict[str, Any]) -> dict[str, Any]:
    return ok(desk.get(f"/requests/{request['request_id']}/survey-link"))


def satisfaction_events(desk: Desk, request: dict[str, Any]) -> list[dict[str, Any]]:
    entries = desk.get(f"/requests/{request['request_id']}/timeline").json()["entries"]
    return [entry for entry in entries if entry["type"] == "intake.SatisfactionRecorded"]


def test_the_customer_answers_once_through_the_link_of_the_resolution(
    desk: Desk, clock: MovableClock
) -> None:
    request = resolved(desk)
    link = survey_link(desk, request)
    assert link["path"] == f"/surveys/{link['token']}"
    assert link["expires_at"].startswith((clock.now() + timedelta(days=30)).date().isoformat())
    assert survey_link(desk, request) == link, "the link of a resolution is the same each time it is read"

    answer = desk.client.post(link["path"], json={"csat": 5, "nps": 9, "comment": "Merci"})
    assert ok(answer) == {"request_id": request["request_id"], "csat": 5, "nps": 9}

    [event] = satisfaction_events(desk, request)
    assert event["actor"] == "customer"
    assert {key: event["data"][key] for key in ("csat", "nps", "source", "channel")} == {
        "csat": 5,
        "nps": 9,
        "source": "customer",
        "channel": "survey",
    }
    assert event["data"]["survey_nonce"]
    read = desk.get(f"/requests/{request['request_id']}").json()
    assert (read["csat"], read["nps"]) == (5, 9)

    problem(desk.client.post(link["path"], json={"csat": 1}), 409, "survey-token-used")
    assert len(satisfaction_events(desk, request)) == 1


def test_an_expired_link_is_410_and_records_nothing(desk: Desk, clock: MovableClock) -> None:
    request = resolved(desk)
    link = survey_link(desk, request)
    clock.advance(days=30, seconds=1)
    problem(desk.client.post(link["path"], json={"csat": 2}), 410, "survey-token-expired")
    assert satisfaction_events(desk, request) == []


def test_a_forged_or_altered_link_is_401(desk: Desk, clock: MovableClock) -> None:
    request = resolved(desk)
    token = survey_link(desk, request)["token"]
    version, payload, signature = token.split(".")
    altered = f"{version}.{payload}.{signature[:-2]}{'AA' if not signature.endswith('AA') else 'BB'}"
    foreign, _ = SurveySigner(b"k" * 32).issue(request_id_of(request), clock.now())
    for forged in (altered, foreign, "probe", "v1.e30.AAAA"):
        problem(desk.client.post(f"/surveys/{forged}", json={"csat": 1}), 401, "survey-token-refused")
    assert satisfaction_events(desk, request) == []


def request_id_of(request: dict[str, Any]) -> UUID:
    return UUID(request["request_id"])


def test_a_survey_link_exists_once_the_request_is_resolved(desk: Desk) -> None:
    request = ok(desk.command(desk.new_request(), "acknowledge"))
    problem(desk.get(f"/requests/{request['request_id']}/survey-link"), 409, "not-resolved")


def test_the_survey_link_is_read_by_staff_only(desk: Desk) -> None:
    request = resolved(desk)
    auditor = {"Authorization": f"Bearer {issue_token('audrey', roles=('auditor',), team='front_office')}"}
    response = desk.client.get(f"/requests/{request['request_id']}/survey-link", headers=auditor)
    assert problem(response, 403, "forbidden")["missing"] == "intake:read-survey-link"
    assert desk.client.get(f"/requests/{request['request_id']}/survey-link").status_code == 401


def test_an_agent_records_only_an_answer_given_by_phone_marked_as_such(desk: Desk) -> None:
    request = resolved(desk)
    refused = desk.command(request, "satisfaction", {"csat": 4, "channel": "email"})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "channel"
    request = ok(desk.command(request, "satisfaction", {"csat": 4, "channel": "phone"}))
    [event] = satisfaction_events(desk, request)
    assert (event["actor"], event["data"]["source"], event["data"]["channel"]) == ("alice", "agent", "phone")
    assert event["data"]["survey_nonce"] is None
    link = survey_link(desk, request)
    problem(desk.client.post(link["path"], json={"csat": 1}), 409, "satisfaction-refused")


def test_the_survey_route_needs_no_bearer_and_the_openapi_says_so(desk: Desk) -> None:
    document = desk.client.get("/openapi.json").json()
    operation = document["paths"]["/surveys/{token}"]["post"]
    assert "security" not in operation
    assert {"401", "409", "410", "422"} <= set(operation["responses"])
    link_operation = document["paths"]["/requests/{request_id}/survey-link"]["get"]
    assert link_operation["security"] == [{"bearer": []}]
    assert "intake:read-survey-link" in link_operation["description"]


def test_a_forged_link_is_refused_before_its_body_is_read(desk: Desk) -> None:
    request = resolved(desk)
    link = survey_link(desk, request)
    malformed = {"content-type": "application/json"}
    for body in (b"{", b'{"csat": }', b"\xff"):
        forged = desk.client.post("/surveys/v1.e30.AAAA", content=body, headers=malformed)
        problem(forged, 401, "survey-token-refused")
        genuine = desk.client.post(link["path"], content=body, headers=malformed)
        assert genuine.status_code in (400, 422), genuine.text
    assert satisfaction_events(desk, request) == []
