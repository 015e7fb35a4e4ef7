"""Time travel for auditors: a request, and its timeline, as the API showed them at a past
instant (`?as_of=`), folded from the events recorded by then; for the auditor and the dpo."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from events.service.auth import ROLES, issue_token


def bearer(subject: str, roles: tuple[str, ...], level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=roles, team='front_office', level=level)}"}


AUDITOR = bearer("audrey", roles=("auditor",))
PERMISSION = "intake:time-travel"


@pytest.fixture
def store_on_the_test_clock(client: TestClient, clock) -> None:
    """Events recorded at the test's instants (the store stamps `recorded_at` with its own clock)."""
    client.app.state.runtime.store.clock = clock.now  # type: ignore[attr-defined]


def ok(response) -> dict:
    assert response.status_code == 200, response.text
    return response.json()


def as_of(client: TestClient, path: str, instant: datetime, headers: dict[str, str] = AUDITOR):
    return client.get(path, params={"as_of": instant.isoformat()}, headers=headers)


def a_whole_life(desk, clock) -> tuple[str, list[tuple[datetime, dict]]]:
    """Receive, work on and close a request, the clock moving on between commands; after each
    command, the instant and the JSON `GET /requests/{id}` answered then."""
    shown: list[tuple[datetime, dict]] = []
    request = desk.new_request()
    request_id = request["request_id"]

    def step(action: str, body: object = None) -> None:
        nonlocal request
        clock.advance(minutes=17)
        request = ok(desk.command(request, action, body))
        shown.append((clock.now(), ok(desk.get(f"/requests/{request_id}"))))

    shown.append((clock.now(), ok(desk.get(f"/requests/{request_id}"))))
    step("acknowledge")
    step(
        "qualification",
        {
            "category": "billing",
            "profile": "b2c",
            "impact": "medium",
            "urgency": "low",
            "workaround": "available",
        },
    )
    step("assignment", {"team": "billing", "agent": "bob"})
    step("start")
    step("awaiting-customer", {"expected": "copie de la facture"})
    step("customer-reply")
    step("start")
    due = (clock.now() + timedelta(days=1)).isoformat()
    step("commitments", {"deliverable": "diagnostic", "due_at": due})
    step(f"commitments/{request['commitments'][0]['commitment_id']}/fulfilment")
    step("resolution", {"resolution": "avoir de 42 €"})
    step("closure", {"customer_confirmed": True})
    step("satisfaction", {"csat": 4, "nps": 9})
    return request_id, shown


@pytest.mark.usefixtures("store_on_the_test_clock")
def test_an_auditor_replays_a_closed_request_as_the_api_showed_it_at_each_instant(desk, clock, client):
    request_id, shown = a_whole_life(desk, clock)
    assert shown[-1][1]["status"] == "closed"
    assert len({json["version"] for _, json in shown}) == len(shown) == 13
    path = f"/requests/{request_id}"
    for instant, json in shown:
        assert ok(as_of(client, path, instant)) == json
        assert ok(as_of(client, path, instant + timedelta(minutes=16))) == json, "until the next command"
        answer = as_of(client, path, instant)
        assert answer.headers["ETag"] == f'"{json["version"]}"'
    assert ok(as_of(client, path, shown[-1][0] + timedelta(days=400))) == ok(desk.get(path))


@pytest.mark.usefixtures("store_on_the_test_clock")
def test_the_timeline_as_of_an_instant_lists_the_events_recorded_by_then(desk, clock, client):
    request_id, shown = a_whole_life(desk, clock)
    path = f"/requests/{request_id}/timeline"
    for instant, json in shown:
        entries = ok(as_of(client, path, instant))["entries"]
        assert [e["version"] for e in entries] == list(range(1, json["version"] + 1))
        assert all(datetime.fromisoformat(e["recorded_at"]) <= instant for e in entries)
    assert ok(as_of(client, path, shown[-1][0]))["entries"] == ok(desk.get(path))["entries"]


@pytest.mark.usefixtures("store_on_the_test_clock")
def test_before_it_was_recorded_a_request_did_not_exist_whatever_its_business_instant(desk, clock, client):
    """`as_of` is compared with the recorded time, not with `received_at`: a request received
    (by letter) an hour before it was recorded was unknown to the API half an hour before."""
    request = desk.new_request(received_at=(clock.now() - timedelta(hours=1)).isoformat())
    half_an_hour_before = clock.now() - timedelta(minutes=30)
    assert datetime.fromisoformat(request["received_at"]) < half_an_hour_before
    for path in (f"/requests/{request['request_id']}", f"/requests/{request['request_id']}/timeline"):
        answer = as_of(client, path, half_an_hour_before)
        assert answer.status_code == 404, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert ok(as_of(client, f"/requests/{request['request_id']}", clock.now()))["version"] == 1


@pytest.mark.usefixtures("store_on_the_test_clock")
@pytest.mark.parametrize("role", ROLES)
def test_only_the_auditor_and_the_dpo_travel_in_time_and_others_learn_nothing(desk, client, clock, role):
    known = desk.new_request()["request_id"]
    headers = bearer("probe", level=3, roles=(role,))
    for path in (f"/requests/{known}", f"/requests/{uuid4()}", f"/requests/{known}/timeline"):
        answer = as_of(client, path, clock.now(), headers)
        if role in ("auditor", "dpo"):
            assert answer.status_code == (404 if str(known) not in path else 200), answer.text
        else:
            assert answer.status_code == 403, answer.text
            assert answer.json()["missing"] == PERMISSION
    assert client.get(f"/requests/{known}", headers=headers).status_code in (200, 404)


def test_the_route_descriptions_name_the_time_travel_right(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in ("/requests/{request_id}", "/requests/{request_id}/timeline"):
        description = paths[path]["get"]["description"]
        assert f"`as_of` also needs `{PERMISSION}`: role auditor or dpo" in description
        assert any(p["name"] == "as_of" for p in paths[path]["get"]["parameters"])


@pytest.mark.usefixtures("store_on_the_test_clock")
def test_each_time_travel_read_is_in_the_access_log(desk, client, clock):
    request_id = desk.new_request()["request_id"]
    ok(as_of(client, f"/requests/{request_id}", clock.now()))
    ok(as_of(client, f"/requests/{request_id}/timeline", clock.now()))
    runtime = client.app.state.runtime
    logged = [
        e.data
        for e in client.portal.call(runtime.store.read_all, 0, 10_000)
        if e.type == "retention.ArchiveAccessed" and e.data["reader"] == "audrey"
    ]
    suffix = f"request/{request_id}?as_of={clock.now().isoformat()}"
    assert [(e["kind"], e["resource"]) for e in logged] == [
        ("request_as_of", suffix),
        ("request_timeline_as_of", suffix),
    ]
