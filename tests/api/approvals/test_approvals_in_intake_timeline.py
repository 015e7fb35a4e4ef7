"""Intake and approvals in one process on one in-process bus (as ``serve_all`` runs them, one
data directory and its shared keys): the approvals of a request appear in intake's timeline,
with kind, level, decision, who decided on behalf of whom, the content hash and when."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from test_documents_to_approvals import eventually, together

from approvals.service import DEFINITION as APPROVALS
from events.bus import InProcessBus
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from intake.service import DEFINITION as INTAKE

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


def bearer(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=roles, teams=('support',), level=level)}"}


AGENT = bearer("alice", "agent", "manager")
SUBSTITUTE = bearer("carl", "agent")
DIRECTOR = bearer("dora", "director", level=3)
AUDITOR = bearer("ada", "auditor")


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def both(tmp_path: Path, clock: Clock) -> Iterator[TestClient]:
    bus = InProcessBus()
    apps = {
        name: create_service_app(
            replace(definition, extra={"clock": clock, "deadline_worker": False}),
            ServiceSettings(service=name, data_dir=tmp_path, log_json=False),
            bus,
        )
        for name, definition in (("intake", INTAKE), ("approvals", APPROVALS))
    }
    with TestClient(together(apps)) as client:

        async def ready() -> None:
            async with asyncio.timeout(15):
                for app in apps.values():
                    await app.state.runtime.ready.wait()

        assert client.portal is not None
        client.portal.call(ready)
        yield client


def approvals_in(
    client: TestClient, request_id: str, count: int, headers: dict[str, str] = AGENT, **params: Any
) -> list[dict[str, Any]]:
    def seen() -> list[dict[str, Any]]:
        timeline = client.get(f"/intake/requests/{request_id}/timeline", params=params, headers=headers)
        assert timeline.status_code == 200, timeline.text
        found = [e for e in timeline.json()["entries"] if e["approval"] is not None]
        return found if len(found) >= count else []

    found: list[dict[str, Any]] = eventually(client, seen)
    return found


def test_the_timeline_shows_the_approvals_of_the_request_and_who_decided_for_whom(
    both: TestClient, clock: Clock
) -> None:
    created = both.post(
        "/intake/requests",
        json={
            "channel": "email",
            "received_at": (T0 - timedelta(hours=1)).isoformat(),
            "contact": "jean.martin@exemple.fr",
            "subject": "Facture erronée",
            "description": "Montant facturé deux fois",
            "category": "billing",
        },
        headers=AGENT,
    )
    assert created.status_code == 201, created.text
    request_id = created.json()["request_id"]
    assert (
        both.post(
            "/approvals/habilitations", json={"person": "bob", "level": 2}, headers=DIRECTOR
        ).status_code
        == 201
    )
    period = {"valid_from": T0.isoformat(), "valid_until": (T0 + timedelta(days=1)).isoformat()}
    stood_in = both.post(
        "/approvals/substitutions", json={"absent": "bob", "substitute": "carl"} | period, headers=DIRECTOR
    )
    assert stood_in.status_code == 201, stood_in.text
    clock.at += timedelta(minutes=1)
    content_hash = "c0" * 32
    submitted = both.post(
        "/approvals/approvals",
        json={
            "request_id": request_id,
            "content_hash": content_hash,
            "kind": "commercial_gesture",
            "amounts": [{"amount": "200", "currency": "EUR"}],
        },
        headers=AGENT,
    )
    assert submitted.status_code == 201, submitted.text
    approval_id = submitted.json()["approval_id"]
    clock.at += timedelta(minutes=5)
    decided = both.post(
        f"/approvals/approvals/{approval_id}/decisions", json={"decision": "approve"}, headers=SUBSTITUTE
    )
    assert decided.status_code == 200 and decided.json()["status"] == "validated", decided.text
    other = both.post(
        "/approvals/approvals",
        json={
            "request_id": "00000000-0000-4000-8000-000000000000",
            "content_hash": "d1" * 32,
            "kind": "standard_answer",
        },
        headers=AGENT,
    )
    assert other.status_code == 201

    requested, step, validated = approvals_in(both, request_id, 3)
    assert (requested["type"], requested["version"], requested["integrity"]) == (
        "approvals.ApprovalRequested",
        None,
        None,
    )
    assert requested["approval"] == {
        "approval_id": approval_id,
        "kind": "commercial_gesture",
        "level": 2,
        "decision": "requested",
        "by": ["alice"],
        "on_behalf_of": [],
        "content_hash": content_hash,
        "at": requested["approval"]["at"],
    }
    assert step["type"] == "approvals.ApprovalStepDecided"
    assert {k: step["approval"][k] for k in ("decision", "by", "on_behalf_of", "kind", "level")} == {
        "decision": "approve",
        "by": ["carl"],
        "on_behalf_of": ["bob"],
        "kind": "commercial_gesture",
        "level": 2,
    }
    assert validated["type"] == "approvals.ResponseValidated"
    assert (
        validated["approval"]["decision"],
        validated["approval"]["by"],
        validated["approval"]["on_behalf_of"],
    ) == (
        "validated",
        ["carl"],
        ["bob"],
    )
    assert validated["approval"]["content_hash"] == content_hash

    entries = both.get(f"/intake/requests/{request_id}/timeline", headers=AGENT).json()["entries"]
    assert entries[0]["type"] == "intake.RequestReceived" and entries[0]["version"] == 1
    assert [e["type"] for e in entries[-3:]] == [
        "approvals.ApprovalRequested",
        "approvals.ApprovalStepDecided",
        "approvals.ResponseValidated",
    ]
    then = approvals_in(both, request_id, 1, AUDITOR, as_of=requested["recorded_at"])
    assert [e["approval"]["decision"] for e in then] == ["requested"]
