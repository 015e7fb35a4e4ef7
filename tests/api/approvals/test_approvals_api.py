"""The approvals API: levels, four eyes over HTTP, the check endpoint bound to the content
hash, the inbox, the rules, and the check answered from the log after a restart."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from approvals_desk import (
    AGENT,
    DIRECTOR,
    MANAGER,
    OTHER_DIRECTOR,
    OTHER_MANAGER,
    bearer,
    digest,
    if_match,
    ready,
    start,
    submit,
)
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from approvals.adapters.rebuild import rebuild_read_model
from approvals.adapters.tables import approvals as approvals_table
from approvals.adapters.tables import metadata


def check(client: TestClient, content_hash: str, request_id: str) -> tuple[int, dict]:
    response = client.get(f"/validations/{content_hash}", params={"request_id": request_id}, headers=AGENT)
    return response.status_code, response.json()


def test_an_accommodation_of_100_is_validated_by_its_author_and_recorded(api: TestClient) -> None:
    response = submit(api, kind="accommodation", amounts=[{"amount": "100", "currency": "EUR"}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["level"], body["status"], body["validated_by"]) == (1, "validated", ["alice"])
    assert response.headers["Location"] == f"/approvals/{body['approval_id']}"
    status, answer = check(api, body["content_hash"], body["request_id"])
    assert status == 200
    assert answer["validated"] is True and answer["level"] == 1 and answer["validated_by"] == ["alice"]


def test_a_changed_content_hash_is_not_validated(api: TestClient) -> None:
    request_id = str(uuid4())
    original, edited = digest("Geste de 200 EUR"), digest("Geste de 200 EUR, valable un mois")
    created = submit(api, request_id=request_id, content_hash=original).json()
    decided = api.post(
        f"/approvals/{created['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "validated"

    status, answer = check(api, original, request_id)
    assert (status, answer["validated"], answer["validated_by"], answer["rules_version"]) == (
        200,
        True,
        ["bob"],
        1,
    )
    status, answer = check(api, edited, request_id)
    assert status == 404 and answer["type"].endswith("/not-found")
    status, answer = check(api, original, str(uuid4()))
    assert status == 404, "validated for another request only"

    resubmitted = submit(api, request_id=request_id, content_hash=edited).json()
    status, answer = check(api, edited, request_id)
    assert (status, answer["validated"], answer["status"]) == (200, False, "pending")
    assert answer["approval_id"] == resubmitted["approval_id"]


def test_four_eyes_over_http(api: TestClient) -> None:
    own = submit(api, headers=MANAGER).json()
    refused = api.post(
        f"/approvals/{own['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER
    )
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["missing"] == "approvals:four-eyes"
    assert api.get(f"/approvals/{own['approval_id']}", headers=AGENT).json()["decisions"] == []

    amendment = submit(api, kind="amendment", amounts=[]).json()
    assert amendment["level"] == 3 and [s["level"] for s in amendment["steps"]] == [2, 3]
    path = f"/approvals/{amendment['approval_id']}/decisions"
    assert api.post(path, json={"decision": "approve"}, headers=DIRECTOR).json()["current_step"] == 2
    twice = api.post(path, json={"decision": "approve"}, headers=DIRECTOR)
    assert twice.status_code == 403 and "twice" in twice.json()["detail"]
    manager = api.post(path, json={"decision": "approve"}, headers=OTHER_MANAGER)
    assert manager.status_code == 403
    assert manager.json()["missing"] == "approvals:decide-level-3"
    assert manager.json()["needs"] == {"roles": ["director"], "level": 3}
    done = api.post(path, json={"decision": "approve"}, headers=OTHER_DIRECTOR).json()
    assert done["status"] == "validated" and done["validated_by"] == ["dora", "eve"]


def test_a_decision_on_a_closed_approval_is_a_409_and_records_nothing(api: TestClient) -> None:
    created = submit(api).json()
    path = f"/approvals/{created['approval_id']}/decisions"
    rejected = api.post(path, json={"decision": "reject", "reason": "trop généreux"}, headers=MANAGER)
    assert rejected.json()["status"] == "rejected"
    again = api.post(path, json={"decision": "approve"}, headers=OTHER_MANAGER)
    assert again.status_code == 409 and again.json()["approval_status"] == "rejected"
    assert len(api.get(f"/approvals/{created['approval_id']}", headers=AGENT).json()["decisions"]) == 1


def test_a_withdrawn_content_is_no_longer_validated(api: TestClient) -> None:
    created = submit(api, kind="standard_answer", amounts=[]).json()
    assert check(api, created["content_hash"], created["request_id"])[1]["validated"] is True
    withdrawn = api.post(
        f"/approvals/{created['approval_id']}/withdraw", json={"reason": "typo"}, headers=AGENT
    )
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    status, answer = check(api, created["content_hash"], created["request_id"])
    assert (status, answer["validated"], answer["status"]) == (200, False, "withdrawn")


def test_the_inbox_shows_what_waits_oldest_first_never_ones_own(api: TestClient) -> None:
    first = submit(api).json()
    second = submit(api, kind="deadline_extension", amounts=[]).json()
    own = submit(api, headers=MANAGER).json()
    items = api.get("/inbox", headers=MANAGER).json()["items"]
    ids = [item["approval_id"] for item in items]
    assert ids == [first["approval_id"], second["approval_id"]]
    assert own["approval_id"] not in ids
    assert items[0]["priority"] is None and items[0]["deadline"] is None
    api.post(f"/approvals/{first['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER)
    assert [i["approval_id"] for i in api.get("/inbox", headers=MANAGER).json()["items"]] == [
        second["approval_id"]
    ]


def test_a_director_defines_new_rules_and_submissions_name_their_version(api: TestClient) -> None:
    current = api.get("/rules/current", headers=AGENT).json()
    assert current["version"] == 1 and current["thresholds"][0]["level_2_from"] == "150"
    body = {
        "kinds": current["kinds"],
        "thresholds": [{"currency": "EUR", "level_2_from": "100", "level_3_from": "5000"}],
        "circuits": [
            {"level": 2, "steps": [{"step": 1, "level": 2}]},
            {"level": 3, "steps": [{"step": 1, "level": 2}, {"step": 2, "level": 3}]},
        ],
        "default_currency": "EUR",
        "compensation_kinds": ["compensation"],
        "reason": "threshold lowered after the audit",
    }
    assert api.put("/rules/current", json=body, headers=MANAGER | if_match(current)).status_code == 403
    defined = api.put("/rules/current", json=body, headers=DIRECTOR | if_match(current))
    assert defined.status_code == 200, defined.text
    assert (defined.json()["version"], defined.json()["defined_by"]) == (2, "dora")
    assert api.get("/rules/current", headers=AGENT).json()["version"] == 2
    created = submit(api, kind="accommodation", amounts=[{"amount": "120", "currency": "EUR"}]).json()
    assert (created["level"], created["rules_version"]) == (2, 2)
    assert "rules version 2" in created["rule"]


def test_the_check_answers_from_the_events_replayed_after_a_restart(data_dir: Path) -> None:
    with start(data_dir) as client:
        ready(client)
        validated = submit(client).json()
        client.post(
            f"/approvals/{validated['approval_id']}/decisions", json={"decision": "approve"}, headers=MANAGER
        )
        pending = submit(client, kind="contract", amounts=[]).json()
        withdrawn = submit(client, kind="standard_answer", amounts=[]).json()
        client.post(f"/approvals/{withdrawn['approval_id']}/withdraw", headers=AGENT)

    with start(data_dir) as client:
        runtime = ready(client).app.state.runtime

        async def drop_read_model() -> None:
            async with runtime.engine.begin() as connection:
                for table in reversed(metadata.sorted_tables):
                    await connection.execute(table.delete())

        async def count() -> int:
            async with runtime.engine.connect() as connection:
                return (
                    await connection.execute(select(func.count()).select_from(approvals_table))
                ).scalar_one()

        assert client.portal is not None
        client.portal.call(drop_read_model)
        assert check(client, validated["content_hash"], validated["request_id"])[0] == 404
        rebuilt = client.portal.call(rebuild_read_model, runtime.store, runtime.state["clock"].now())
        assert rebuilt == 3 and client.portal.call(count) == 3

        status, answer = check(client, validated["content_hash"], validated["request_id"])
        assert (status, answer["validated"], answer["validated_by"], answer["level"]) == (
            200,
            True,
            ["bob"],
            2,
        )
        assert check(client, pending["content_hash"], pending["request_id"])[1]["status"] == "pending"
        assert check(client, withdrawn["content_hash"], withdrawn["request_id"])[1]["validated"] is False
        inbox = client.get("/inbox", headers=bearer("zoe", "manager", level=2)).json()["items"]
        assert [item["approval_id"] for item in inbox] == [pending["approval_id"]]


def test_a_rules_definition_names_the_version_it_read(api: TestClient) -> None:
    current = api.get("/rules/current", headers=AGENT)
    assert current.headers["ETag"] == '"1"'
    body = {k: current.json()[k] for k in ("kinds", "thresholds", "default_currency", "compensation_kinds")}
    body["circuits"] = [
        {"level": 2, "steps": [{"step": 1, "level": 2}]},
        {"level": 3, "steps": [{"step": 1, "level": 2}, {"step": 2, "level": 3}]},
    ]
    without = api.put("/rules/current", json=body, headers=DIRECTOR)
    assert without.status_code == 428 and without.headers["content-type"] == "application/problem+json"
    first = api.put("/rules/current", json=body, headers=DIRECTOR | if_match(current.json()))
    assert first.status_code == 200 and first.headers["ETag"] == '"2"'
    concurrent = api.put("/rules/current", json=body, headers=OTHER_DIRECTOR | if_match(current.json()))
    assert concurrent.status_code == 412
    assert api.get("/rules/current", headers=AGENT).json()["version"] == 2
