"""Bad input: each a 4xx problem+json naming the field or the missing right, nothing recorded."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from approvals_desk import AGENT, DIRECTOR, MANAGER, bearer, digest, if_match, submit
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from approvals.adapters.tables import approvals as approvals_table


def recorded(client: TestClient) -> int:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def count() -> int:
        async with runtime.engine.connect() as connection:
            events = await connection.execute(select(func.count()).select_from(approvals_table))
            return int(events.scalar_one())

    assert client.portal is not None
    return client.portal.call(count)


def fields_named(response: Any) -> list[str]:
    return [error["field"] for error in response.json().get("errors", [])]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": "gift"}, "kind"),
        ({"amounts": [{"amount": "-5", "currency": "EUR"}]}, "amounts.0.amount"),
        ({"amounts": [{"amount": "deux cents", "currency": "EUR"}]}, "amounts.0.amount"),
        ({"amounts": [{"amount": "Infinity", "currency": "EUR"}]}, "amounts.0.amount"),
        ({"amounts": [{"amount": "10", "currency": "ZZZ"}]}, "amounts[0].currency"),
        ({"amounts": [{"amount": "10", "currency": "FRF"}]}, "amounts[0].currency"),
        ({"amounts": [{"amount": "10", "currency": "eur"}]}, "amounts.0.currency"),
        ({"content_hash": "A" * 64}, "content_hash"),
        ({"content_hash": "abc"}, "content_hash"),
        ({"content_hash": digest("x") + "0"}, "content_hash"),
        ({"kind": "compensation", "amounts": []}, "criterion"),
    ],
)
def test_a_bad_submission_is_a_422_naming_the_field_and_records_nothing(
    api: TestClient, fields: dict[str, Any], field: str
) -> None:
    response = submit(api, **fields)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(field in named for named in fields_named(response)), response.json()
    assert recorded(api) == 0


def test_the_same_content_twice_for_a_request_is_a_409(api: TestClient) -> None:
    request_id = str(uuid4())
    first = submit(api, request_id=request_id).json()
    again = submit(api, request_id=request_id)
    assert again.status_code == 409 and again.json()["approval_id"] == first["approval_id"]
    assert recorded(api) == 1


def test_an_agent_cannot_decide_and_the_refusal_names_the_right(api: TestClient) -> None:
    created = submit(api).json()
    response = api.post(
        f"/approvals/{created['approval_id']}/decisions",
        json={"decision": "approve"},
        headers=bearer("zoe", "agent"),
    )
    assert response.status_code == 403
    assert response.json()["missing"] == "approvals:decide-level-2"


def test_a_rejection_without_reason_is_a_422_and_the_approval_stays_pending(api: TestClient) -> None:
    created = submit(api).json()
    response = api.post(
        f"/approvals/{created['approval_id']}/decisions", json={"decision": "reject"}, headers=MANAGER
    )
    assert response.status_code == 422 and fields_named(response) == ["reason"]
    assert api.get(f"/approvals/{created['approval_id']}", headers=AGENT).json()["status"] == "pending"


def test_an_unknown_decision_or_approval(api: TestClient) -> None:
    created = submit(api).json()
    path = f"/approvals/{created['approval_id']}/decisions"
    assert api.post(path, json={"decision": "maybe"}, headers=MANAGER).status_code == 422
    missing = api.post(f"/approvals/{uuid4()}/decisions", json={"decision": "approve"}, headers=MANAGER)
    assert missing.status_code == 404
    assert api.get(f"/approvals/{uuid4()}", headers=AGENT).status_code == 404


def test_the_check_refuses_a_malformed_hash_or_a_missing_request(api: TestClient) -> None:
    bad = api.get("/validations/not-a-hash", params={"request_id": str(uuid4())}, headers=AGENT)
    assert bad.status_code == 422 and "sha256" in fields_named(bad)[0]
    no_request = api.get(f"/validations/{digest('x')}", headers=AGENT)
    assert no_request.status_code == 422 and "request_id" in fields_named(no_request)[0]


def test_rules_that_cannot_decide_every_case_are_refused(api: TestClient) -> None:
    current = api.get("/rules/current", headers=AGENT).json()
    body = {
        "kinds": current["kinds"],
        "thresholds": [{"currency": "USD", "level_2_from": "150"}],
        "circuits": [{"level": 2, "steps": [{"step": 1, "level": 2}]}],
        "default_currency": "EUR",
    }
    refused = api.put("/rules/current", json=body, headers=DIRECTOR | if_match(current))
    assert refused.status_code == 422 and fields_named(refused) == ["thresholds"]
    assert api.get("/rules/current", headers=AGENT).json()["version"] == 1
