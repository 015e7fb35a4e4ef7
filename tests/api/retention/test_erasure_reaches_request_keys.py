"""An erasure and a purge reach the personal data sealed under a customer's streams: an event
naming no customer (an interaction's summary, a resolution, a satisfaction comment on the
request's stream; a relance's content on its own stream) is sealed under its stream as data
subject (docs/adr/0007). Retention expands the customer to those streams, destroys their keys
in the same categories, and lists every key id in its proof; a legal hold keeps them all."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from retention_desk import DPO, MovableClock, feed, ready, runtime_of
from test_erasure_reaches_every_service import start
from test_erasure_reaches_intake import hand_to_intake, intake, published, register, reports

from documents.service import DEFINITION as DOCUMENTS
from events.catalogue import ERASED
from events.catalogue.documents import RelanceSent
from events.catalogue.retention import SubjectErased
from events.envelope import Envelope
from events.service.auth import issue_token

__all__ = ["intake"]  # the intake fixture, shared with the intake-only erasure test

BILLING_DESK = {
    "Authorization": "Bearer "
    + issue_token("alice", roles=("agent", "manager"), teams=("support", "billing"), level=1)
}
"""A manager of the billing team, where the request is routed once qualified."""

SUMMARY = "Jeanne Martin signale un double prélèvement de 42 €"
RESOLUTION = "Avoir de 42 € émis au nom de Jeanne Martin"
COMMENT = "Jeanne Martin : trop long, mais résolu"
RELANCE = "Bonjour Jeanne Martin, il nous manque votre RIB"


@pytest.fixture
def documents(data_dir: Path, clock: MovableClock) -> Iterator[TestClient]:
    """Documents in retention's data directory (the same key database)."""
    with start(DOCUMENTS, data_dir, clock) as client:
        yield ready(client)


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def command(intake: TestClient, request: dict[str, Any], action: str, body: object = None) -> dict[str, Any]:
    return ok(
        intake.post(
            f"/requests/{request['request_id']}/{action}",
            json=body,
            headers=BILLING_DESK | {"If-Match": f'"{request["version"]}"'},
        )
    )


def live_request(intake: TestClient, request_id: str) -> None:
    """The request handled and closed: an interaction, a resolution, a satisfaction comment
    (all sealed under the request's stream)."""
    request = ok(intake.get(f"/requests/{request_id}", headers=BILLING_DESK))
    request = command(intake, request, "acknowledge")
    qualification = {
        "category": "billing",
        "profile": "b2c",
        "impact": "medium",
        "urgency": "low",
        "workaround": "available",
    }
    request = command(intake, request, "qualification", qualification)
    request = command(intake, request, "start")
    interaction = {"channel": "phone", "direction": "inbound", "subject": "Appel", "summary": SUMMARY}
    request = command(intake, request, "interactions", interaction)
    request = command(intake, request, "resolution", {"resolution": RESOLUTION})
    request = command(intake, request, "closure", {"customer_confirmed": True})
    command(intake, request, "satisfaction", {"csat": 2, "comment": COMMENT})


def send_relance(documents: TestClient, request_id: str, at: datetime) -> UUID:
    """A relance recorded by documents on its own stream: its content sealed under that stream."""
    relance_id = uuid4()
    event = RelanceSent(
        request_id=UUID(request_id),
        relance_id=relance_id,
        kind="missing_information",
        ordinal=1,
        channel="email",
        content=RELANCE,
        sent_at=at,
    )
    store = runtime_of(documents).store
    assert documents.portal is not None
    documents.portal.call(store.append, relance_id, "relance", 0, [event])
    return relance_id


def stream(client: TestClient, stream_id: str | UUID) -> list[Envelope]:
    store = runtime_of(client).store
    assert client.portal is not None
    found: list[Envelope] = client.portal.call(store.read_stream, UUID(str(stream_id)))
    return found


def keys_of(client: TestClient, subject: str | UUID) -> list[Any]:
    keyring = runtime_of(client).keyring
    assert client.portal is not None
    found: list[Any] = client.portal.call(keyring.keys_of, str(subject))
    return found


def past_the_key_cache(*clients: TestClient) -> None:
    """As after the key ring's ttl (about a second): each process looks its keys up again."""
    for client in clients:
        runtime_of(client).keyring.forget_cache()


def timeline(intake: TestClient, request_id: str) -> dict[str, dict[str, Any]]:
    entries = ok(intake.get(f"/requests/{request_id}/timeline", headers=BILLING_DESK))["entries"]
    return {entry["type"].split(".")[-1]: entry["data"] for entry in entries}


def personal_values(intake: TestClient, request_id: str) -> tuple[Any, Any, Any]:
    entries = timeline(intake, request_id)
    return (
        entries["InteractionRecorded"]["summary"],
        entries["RequestResolved"]["resolution"],
        entries["SatisfactionRecorded"]["comment"],
    )


def erased_on_replay(client: TestClient, stream_id: str | UUID) -> dict[str, tuple[str, ...]]:
    return {e.type.split(".")[-1]: tuple(e.erased_fields) for e in stream(client, stream_id) if e.pii}


def test_an_erasure_destroys_the_keys_of_the_customers_request_and_relance_streams(
    api: TestClient, intake: TestClient, documents: TestClient, clock: MovableClock
) -> None:
    customer_id, request_id = register(intake, clock)
    live_request(intake, request_id)
    relance_id = send_relance(documents, request_id, clock.now())
    assert personal_values(intake, request_id) == (SUMMARY, RESOLUTION, COMMENT)
    [request_key] = keys_of(intake, request_id)
    [relance_key] = keys_of(documents, relance_id)
    events_before = len(stream(intake, request_id))
    feed(api, published(intake) + published(documents))

    body = {"kind": "erasure", "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    erasure = api.post("/subject-requests", json=body, headers=DPO).json()["request_id"]
    api.post(f"/subject-requests/{erasure}/identity-verified", json={"method": "ID card"}, headers=DPO)
    assert api.post(f"/subject-requests/{erasure}/erase", headers=DPO).status_code == 200

    [proof] = [e.decode() for e in published(api) if e.type == SubjectErased.event_type]
    assert isinstance(proof, SubjectErased)
    assert {request_key.key_id, relance_key.key_id} <= set(proof.key_ids)
    assert all(record.destroyed_at is not None for record in keys_of(intake, request_id))
    assert all(record.destroyed_at is not None for record in keys_of(documents, relance_id))

    past_the_key_cache(intake, documents)
    assert personal_values(intake, request_id) == (ERASED, ERASED, None)
    replayed = erased_on_replay(intake, request_id)
    assert {"subject", "summary"} <= set(replayed["InteractionRecorded"])
    assert "resolution" in replayed["RequestResolved"] and "comment" in replayed["SatisfactionRecorded"]
    assert len(stream(intake, request_id)) == events_before
    [relance] = stream(documents, relance_id)
    assert relance.erased_fields and relance.data["content"] == ERASED

    access = api.post("/subject-requests", json=body | {"kind": "access"}, headers=DPO).json()["request_id"]
    api.post(f"/subject-requests/{access}/identity-verified", json={"method": "ID card"}, headers=DPO)
    exported = api.post(f"/subject-requests/{access}/export", headers=DPO)
    assert exported.status_code == 200, exported.text
    document = exported.json()["data"]
    [interaction] = [e for e in document["events"] if e["type"] == "intake.InteractionRecorded"]
    erased = {e["field"]: e for e in interaction["erased"]}
    assert "summary" not in interaction["personal_data"]
    assert erased["summary"]["why"].startswith("erased at the person's request")
    assert SUMMARY not in exported.text and RELANCE not in exported.text

    hand_to_intake(api, intake)
    [report] = reports(intake)
    assert (report.subject, str(report.cause_id)) == (customer_id, erasure)
    assert report.events_affected == 5  # registration, reception, interaction, resolution, comment

    again = api.post(f"/subject-requests/{erasure}/erase", headers=DPO)
    assert again.status_code == 409, again.text


def test_a_purge_reaches_the_request_keyed_data_of_its_category_and_a_hold_keeps_it(
    api: TestClient, intake: TestClient, documents: TestClient, clock: MovableClock
) -> None:
    ended = (clock.now().date() - timedelta(days=1)).isoformat()
    customer_id, request_id = register(intake, clock, contract_end=ended)
    live_request(intake, request_id)
    relance_id = send_relance(documents, request_id, clock.now())
    held_id, held_request = register(
        intake, clock, contract_end=ended, email="paul.durand@exemple.fr", last_name="Durand"
    )
    live_request(intake, held_request)
    [request_key] = keys_of(intake, request_id)
    [relance_key] = keys_of(documents, relance_id)
    feed(api, published(intake) + published(documents))
    hold = api.put(f"/subjects/{held_id}/legal-hold", json={"reason": "contentieux"}, headers=DPO)
    assert hold.status_code == 200, hold.text

    clock.advance(timedelta(days=61 * 31))
    run = api.post("/purges", headers=DPO)
    assert run.status_code == 201, run.text
    proofs = {p["category"]: p for p in run.json()["purges"]}
    assert request_key.key_id in proofs["contractual"]["key_ids"]
    assert relance_key.key_id in proofs["complaint"]["key_ids"]
    assert relance_key.key_id not in proofs["contractual"]["key_ids"]
    assert (proofs["contractual"]["subjects"], proofs["contractual"]["subjects_on_hold"]) == (1, 1)

    past_the_key_cache(intake, documents)
    assert personal_values(intake, request_id) == (ERASED, ERASED, None)
    [relance] = stream(documents, relance_id)
    assert relance.data["content"] == ERASED
    assert personal_values(intake, held_request) == (SUMMARY, RESOLUTION, COMMENT)
    assert all(record.destroyed_at is None for record in keys_of(intake, held_request))

    hand_to_intake(api, intake)
    purged = {r.categories: r for r in reports(intake) if r.subject == request_id}
    assert purged[("contractual",)].events_affected == 3  # interaction, resolution, comment
