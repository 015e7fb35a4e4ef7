"""Retention through its API: the policy and its legal bounds, the purge with its proof (a call
recording past 6 months purged, billing of the same customer kept), legal holds, data-subject
requests on their one-month clock, and the access log fed by intake's reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from retention_desk import AGENT, AUDITOR, DIRECTOR, DPO, MovableClock, bearer, feed, ready, runtime_of

from events.catalogue import DomainEvent
from events.catalogue import sla_clock as sla
from events.catalogue.retention import ArchiveAccessed, RetentionPurgeExecuted
from events.consumer import Outcome
from events.envelope import Envelope, Metadata
from events.service.app import create_service_app
from events.service.settings import ServiceSettings
from intake.service import DEFINITION as INTAKE
from retention.entrypoints.consumer import build_consumer

DESK = bearer("alice", "agent", "manager")


@pytest.fixture
def intake(data_dir: Path, clock: MovableClock) -> Iterator[TestClient]:
    """Intake in the same data directory: the same key database as retention."""
    settings = ServiceSettings(service="intake", data_dir=data_dir / "retention", log_json=False)
    with TestClient(create_service_app(replace(INTAKE, extra={"clock": clock}), settings)) as client:
        yield ready(client)


def intake_events(intake: TestClient) -> list[Any]:
    runtime = runtime_of(intake)
    assert intake.portal is not None
    return intake.portal.call(runtime.store.read_all, 0, 10_000)


def letters() -> str:
    return "".join(chr(97 + int(c, 16) % 26) for c in uuid4().hex[:8]).capitalize()


def register_customer_with_a_call(intake: TestClient, clock: MovableClock) -> str:
    customer = intake.post(
        "/customers",
        json={
            "profile": "b2c",
            "first_name": letters(),
            "last_name": letters(),
            "email": f"jeanne.{uuid4().hex[:8]}@exemple.fr",
        },
        headers=DESK,
    )
    assert customer.status_code == 201, customer.text
    customer_id: str = customer.json()["customer_id"]
    request = intake.post(
        "/requests",
        json={
            "channel": "phone",
            "received_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "customer_id": customer_id,
            "subject": "Facture",
            "description": "Appel au sujet d'une facture",
            "category": "billing",
        },
        headers=DESK,
    )
    assert request.status_code == 201, request.text
    return customer_id


def keys(api: TestClient, subject: str, *categories: str) -> None:
    runtime = runtime_of(api)
    assert api.portal is not None
    api.portal.call(runtime.keyring.live_keys, [(subject, c) for c in categories])


def live_categories(api: TestClient, subject: str) -> dict[str, bool]:
    runtime = runtime_of(api)
    assert api.portal is not None
    records = api.portal.call(runtime.keyring.keys_of, subject)
    return {r.category: r.destroyed_at is None for r in records}


def stored(api: TestClient, event_type: type[Any]) -> list[Any]:
    runtime = runtime_of(api)
    assert api.portal is not None
    return [
        e.decode()
        for e in api.portal.call(runtime.store.read_all, 0, 10_000)
        if e.type == event_type.event_type
    ]


def periods(**months: int) -> list[dict[str, Any]]:
    defaults = {
        "contractual": (60, "contract_end"),
        "billing": (120, "last_activity"),
        "prospection": (36, "last_interaction"),
        "complaint": (60, "request_closed"),
        "call_recording": (6, "recorded"),
    }
    return [
        {"category": c, "months": months.get(c, m), "anchor": a, "basis": "test"}
        for c, (m, a) in defaults.items()
    ]


def test_the_dpo_defines_the_policy_and_a_retention_below_the_law_is_a_422_naming_it(api: TestClient) -> None:
    current = api.get("/policies/current", headers=DPO).json()
    assert current["policy_version"] == 0
    assert {p["category"]: p["months"] for p in current["periods"]}["call_recording"] == 6
    defined = api.put(
        "/policies/current", json={"periods": periods(complaint=72), "reason": "6y"}, headers=DPO
    )
    assert defined.status_code == 200, defined.text
    assert defined.json()["policy_version"] == 1 and defined.json()["defined_by"] == "dpo-1"
    refused = api.put("/policies/current", json={"periods": periods(billing=60)}, headers=DPO)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["category"] == "billing"
    too_long = api.put("/policies/current", json={"periods": periods(call_recording=12)}, headers=DPO)
    assert too_long.status_code == 422 and too_long.json()["category"] == "call_recording"
    assert api.put("/policies/current", json={"periods": periods()}, headers=DIRECTOR).status_code == 403
    assert api.get("/policies/current", headers=DPO).json()["policy_version"] == 1
    assert [e.policy_version for e in stored(api, type_of("RetentionPolicyDefined"))] == [1]


def type_of(name: str) -> type[Any]:
    from events.catalogue import retention

    kind: type[Any] = getattr(retention, name)
    return kind


def test_a_call_recording_past_six_months_is_purged_with_proof_and_billing_kept(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    called = register_customer_with_a_call(intake, clock)
    held = register_customer_with_a_call(intake, clock)
    feed(api, intake_events(intake))
    keys(api, called, "call_recording", "billing")
    keys(api, held, "call_recording")
    assert (
        api.put(f"/subjects/{held}/legal-hold", json={"reason": "litigation"}, headers=DPO).status_code == 200
    )
    assert api.put(f"/subjects/{held}/legal-hold", json={"reason": "again"}, headers=DPO).status_code == 409

    clock.advance(timedelta(days=150))
    early = api.post("/purges", headers=DPO).json()["purges"]
    assert {p["category"]: p["subjects"] for p in early} == dict.fromkeys(
        ("contractual", "billing", "prospection", "complaint", "call_recording"), 0
    )

    clock.advance(timedelta(days=40))
    run = api.post("/purges", headers=DPO)
    assert run.status_code == 201, run.text
    proofs = {p["category"]: p for p in run.json()["purges"]}
    calls = proofs["call_recording"]
    assert (calls["subjects"], calls["subjects_on_hold"], calls["policy_version"]) == (1, 1, 0)
    assert len(calls["key_ids"]) == 1
    assert proofs["billing"]["subjects"] == 0
    assert live_categories(api, called) == {"contractual": True, "call_recording": False, "billing": True}
    assert live_categories(api, held)["call_recording"] is True
    [proof] = [
        e for e in stored(api, RetentionPurgeExecuted) if e.category == "call_recording" and e.subjects
    ]
    assert proof.key_ids == tuple(calls["key_ids"])
    again = {p["category"]: p["subjects"] for p in api.post("/purges", headers=DPO).json()["purges"]}
    assert again["call_recording"] == 0
    assert api.get("/purges", headers=AUDITOR).status_code == 200
    assert api.post("/purges", headers=AUDITOR).status_code == 403

    lifted = api.post(f"/subjects/{held}/legal-hold/lift", json={"reason": "case closed"}, headers=DPO)
    assert lifted.json()["on_hold"] is False
    after = {p["category"]: p["subjects"] for p in api.post("/purges", headers=DPO).json()["purges"]}
    assert after["call_recording"] == 1
    assert api.put(f"/subjects/{held}/legal-hold", json={"reason": "x"}, headers=AGENT).status_code == 403


def new_request(api: TestClient, kind: str, customer_id: str | None, headers: dict[str, str] = AGENT) -> Any:
    body = {"kind": kind, "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    response = api.post("/subject-requests", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def sla_clock_publishes(api: TestClient, *events: DomainEvent) -> list[Outcome]:
    """Hand retention's consumer the SLA clock's events, as published (the same envelope
    twice when an event is given twice: a redelivery)."""
    envelopes: dict[int, Envelope] = {}
    for event in events:
        envelopes.setdefault(
            id(event),
            Envelope(
                id=uuid4(),
                source="/guichet/sla-clock",
                type=event.event_type,
                time=event.emitted_at,  # type: ignore[attr-defined]
                stream_id=uuid4(),
                stream_type="sla",
                stream_version=1,
                schema_version=event.schema_version,
                data=event.model_dump(mode="json"),
                metadata=Metadata(),
                recorded_at=event.emitted_at,  # type: ignore[attr-defined]
            ),
        )
    consumer = build_consumer(runtime_of(api))
    assert api.portal is not None
    return [api.portal.call(consumer.process, envelopes[id(event)]) for event in events]


def test_a_request_is_due_one_month_from_receipt_and_warned_before(
    api: TestClient, clock: MovableClock
) -> None:
    received = new_request(api, "access", str(uuid4()))
    assert received["due_at"].startswith("2026-12-29T09:00")
    request_id, due = UUID(received["request_id"]), datetime.fromisoformat(received["due_at"])
    assert api.get(f"/subject-requests/{request_id}", headers=DPO).json()["warned"] is False
    clock.advance(timedelta(days=23))
    warning = sla.SlaWarning(
        request_id=request_id,
        kind="data_subject_request",
        due_at=due,
        threshold_at=due - timedelta(days=7),
        emitted_at=clock.now(),
        advice="answer or extend",
    )
    assert sla_clock_publishes(api, warning, warning) == [Outcome.PROCESSED, Outcome.DUPLICATE]
    assert api.get(f"/subject-requests/{request_id}", headers=DPO).json()["warned"] is True
    clock.advance(timedelta(days=8))
    breach = sla.SlaBreached(
        request_id=request_id, kind="data_subject_request", due_at=due, emitted_at=clock.now()
    )
    sla_clock_publishes(api, breach)
    assert api.get(f"/subject-requests/{request_id}", headers=DPO).json()["overdue"] is True
    late = api.post(
        f"/subject-requests/{received['request_id']}/extend",
        json={"months": 2, "reasons": "numerous", "person_told_at": clock.now().isoformat()},
        headers=DPO,
    )
    assert late.status_code == 409


def test_an_extension_within_the_first_month_with_the_person_told(
    api: TestClient, clock: MovableClock
) -> None:
    received = new_request(api, "portability", str(uuid4()))
    extended = api.post(
        f"/subject-requests/{received['request_id']}/extend",
        json={"months": 2, "reasons": "numerous requests", "person_told_at": clock.now().isoformat()},
        headers=DPO,
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["due_at"].startswith("2027-02-28T09:00")
    assert extended.json()["extended_months"] == 2


def test_export_needs_verified_identity_then_gives_what_retention_holds(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id = register_customer_with_a_call(intake, clock)
    feed(api, intake_events(intake))
    request_id = new_request(api, "access", customer_id)["request_id"]
    unverified = api.post(f"/subject-requests/{request_id}/export", headers=DPO)
    assert unverified.status_code == 409 and unverified.json()["type"].endswith("/identity-not-verified")
    assert api.post(f"/subject-requests/{request_id}/export", headers=AGENT).status_code == 403
    verified = api.post(
        f"/subject-requests/{request_id}/identity-verified", json={"method": "ID card seen"}, headers=DPO
    )
    assert verified.json()["verification"] == "ID card seen"
    exported = api.post(f"/subject-requests/{request_id}/export", headers=DPO)
    assert exported.status_code == 200, exported.text
    data = exported.json()["data"]
    assert data["subject"] == customer_id
    types = [e["type"] for e in data["events"]]
    assert types[:2] == ["intake.CustomerRegistered", "intake.RequestReceived"]
    assert "first_name" not in data["events"][0]["data"]
    assert data["events"][0]["personal_fields_held_by_producer"]
    completed = api.post(f"/subject-requests/{request_id}/complete", headers=DPO).json()
    assert completed["status"] == "completed"
    assert any(a.startswith("data exported") for a in completed["actions"])


def test_erasure_shreds_all_but_billing_which_the_law_keeps_and_only_once(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id = register_customer_with_a_call(intake, clock)
    feed(api, intake_events(intake))
    keys(api, customer_id, "billing", "call_recording")
    unknown = new_request(api, "erasure", str(uuid4()))["request_id"]
    api.post(f"/subject-requests/{unknown}/identity-verified", json={"method": "email"}, headers=DPO)
    refused = api.post(f"/subject-requests/{unknown}/erase", headers=DPO)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/unknown-subject")

    request_id = new_request(api, "erasure", customer_id)["request_id"]
    assert api.post(f"/subject-requests/{request_id}/erase", headers=DPO).status_code == 409
    api.post(f"/subject-requests/{request_id}/identity-verified", json={"method": "email"}, headers=DPO)
    erased = api.post(f"/subject-requests/{request_id}/erase", headers=DPO)
    assert erased.status_code == 200, erased.text
    body = erased.json()
    assert body["kept"][0]["category"] == "billing" and "accounting" in body["kept"][0]["reason"]
    assert live_categories(api, customer_id) == {
        "contractual": False,
        "billing": True,
        "call_recording": False,
    }
    assert intake.portal is not None
    runtime_of(intake).keyring.forget_cache()
    history = intake.get(f"/customers/{customer_id}/history", headers=DESK).json()
    registered = next(e for e in history["entries"] if e["type"] == "intake.CustomerRegistered")
    assert registered["data"]["first_name"] in (None, "[erased]"), registered
    assert registered["data"]["email"] in (None, "[erased]")

    second = new_request(api, "erasure", customer_id)["request_id"]
    api.post(f"/subject-requests/{second}/identity-verified", json={"method": "email"}, headers=DPO)
    again = api.post(f"/subject-requests/{second}/erase", headers=DPO)
    assert again.status_code == 409 and again.json()["type"].endswith("/already-erased")
    assert api.post(f"/subject-requests/{request_id}/erase", headers=DPO).status_code == 409
    assert api.post(f"/subject-requests/{request_id}/complete", headers=DPO).json()["status"] == "completed"


def test_every_read_of_a_customer_by_an_agent_appears_in_the_access_log(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id = register_customer_with_a_call(intake, clock)
    request_id = intake.get("/requests", params={"customer_id": customer_id}, headers=DESK).json()["items"][
        0
    ]["request_id"]
    reads = [
        f"/customers/{customer_id}",
        f"/customers/{customer_id}/history",
        f"/requests/{request_id}",
        f"/requests/{request_id}/timeline",
        f"/customers/{customer_id}",
    ]
    for path in reads:
        assert intake.get(path, headers=DESK).status_code == 200, path
    accessed = [e for e in intake_events(intake) if e.type == ArchiveAccessed.event_type]
    assert len(accessed) == len(reads)
    feed(api, intake_events(intake))
    log = api.get("/access-log", params={"customer_id": customer_id}, headers=DPO)
    assert log.status_code == 200, log.text
    items = log.json()["items"]
    assert sorted(i["kind"] for i in items) == sorted(
        ["customer", "customer_history", "request", "request_timeline", "customer"]
    )
    assert {i["reader"] for i in items} == {"alice"}
    assert all(i["context"].startswith("intake GET ") for i in items)
    assert (
        len(
            api.get("/access-log", params={"reader": "alice", "kind": "customer"}, headers=AUDITOR).json()[
                "items"
            ]
        )
        == 2
    )
    assert api.get("/access-log", params={"reader": "bob"}, headers=DPO).json()["items"] == []
    later = (clock.now() + timedelta(seconds=1)).isoformat()
    earlier = (clock.now() - timedelta(seconds=1)).isoformat()
    assert api.get("/access-log", params={"from": later}, headers=DPO).json()["items"] == []
    window = {"customer_id": customer_id, "from": earlier, "to": later}
    assert len(api.get("/access-log", params=window, headers=DPO).json()["items"]) == len(reads)
    assert api.get("/access-log", headers=AGENT).status_code == 403
    assert api.get("/access-log", headers=DIRECTOR).status_code == 403
    assert UUID(items[0]["event_id"])
