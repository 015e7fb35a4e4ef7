"""A request received before its sender was identified is sealed under its own stream; once
intake links it to a customer (``RequestDetailsCompleted``), retention counts it among the
customer's requests, so the customer's erasure destroys the request's keys too and lists them
in its proof (docs/adr/0007)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient
from retention_desk import DPO, MovableClock, feed, runtime_of
from test_erasure_reaches_intake import DESK, PERSON, intake, published
from test_erasure_reaches_request_keys import keys_of, past_the_key_cache, stream

from events.catalogue import ERASED
from events.catalogue.intake import CustomerAbsorbed
from events.catalogue.retention import SubjectErased
from retention.adapters.views import RetentionViews
from retention.domain.purge import SubjectActivity

__all__ = ["intake"]  # the intake fixture, shared with the intake-only erasure test

CONTACT = "jeanne.martin@exemple.fr"
DESCRIPTION = "Jeanne Martin demande la résiliation de son contrat"


def anonymous_request(intake: TestClient, clock: MovableClock) -> dict[str, Any]:
    """A request whose sender is not a customer yet: sealed under the request's stream."""
    request = intake.post(
        "/requests",
        json={
            "channel": "email",
            "received_at": (clock.now() - timedelta(minutes=5)).isoformat(),
            "contact": CONTACT,
            "subject": "Résiliation",
            "description": DESCRIPTION,
        },
        headers=DESK,
    )
    assert request.status_code == 201, request.text
    body: dict[str, Any] = request.json()
    return body


def link(intake: TestClient, request: dict[str, Any], customer_id: str) -> None:
    linked = intake.patch(
        f"/requests/{request['request_id']}",
        json={"customer_id": customer_id},
        headers=DESK | {"If-Match": f'"{request["version"]}"'},
    )
    assert linked.status_code == 200, linked.text


def received_fields(intake: TestClient, request_id: str) -> tuple[Any, Any]:
    [received] = [e for e in stream(intake, request_id) if e.type == "intake.RequestReceived"]
    return received.data["contact"], received.data["description"]


def activity(api: TestClient, subject: str) -> SubjectActivity | None:
    assert api.portal is not None
    found: SubjectActivity | None = api.portal.call(RetentionViews(runtime_of(api).engine).activity, subject)
    return found


def erase(api: TestClient, customer_id: str) -> SubjectErased:
    body = {"kind": "erasure", "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    erasure = api.post("/subject-requests", json=body, headers=DPO).json()["request_id"]
    api.post(f"/subject-requests/{erasure}/identity-verified", json={"method": "ID card"}, headers=DPO)
    erased = api.post(f"/subject-requests/{erasure}/erase", headers=DPO)
    assert erased.status_code == 200, erased.text
    [proof] = [e.decode() for e in published(api) if e.type == SubjectErased.event_type]
    assert isinstance(proof, SubjectErased)
    return proof


def test_a_request_linked_to_its_customer_later_is_erased_with_the_customer(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    request = anonymous_request(intake, clock)
    request_id = request["request_id"]
    [request_key] = keys_of(intake, request_id)
    feed(api, published(intake))
    alone = activity(api, request_id)
    assert alone is not None and alone.open_requests == 1
    customer = intake.post("/customers", json=PERSON, headers=DESK)
    assert customer.status_code == 201, customer.text
    customer_id: str = customer.json()["customer_id"]
    link(intake, request, customer_id)
    feed(api, published(intake))
    assert received_fields(intake, request_id) == (CONTACT, DESCRIPTION)
    owner = activity(api, customer_id)
    assert owner is not None and owner.open_requests == 1
    assert owner.last_interaction is not None and alone.last_interaction is not None
    assert owner.last_interaction >= alone.last_interaction
    assert activity(api, request_id) is None

    proof = erase(api, customer_id)

    assert request_key.key_id in proof.key_ids
    assert all(record.destroyed_at is not None for record in keys_of(intake, request_id))
    past_the_key_cache(intake)
    assert received_fields(intake, request_id) == (None, None)
    [received] = [e for e in stream(intake, request_id) if e.type == "intake.RequestReceived"]
    assert {"contact", "description", "subject"} <= set(received.erased_fields)
    assert received.data["subject"] == ERASED or received.data["subject"] is None


def absorb(intake: TestClient, survivor_id: str, merged_id: str) -> None:
    """Intake's record of a merge on the survivor's stream (its merge is decided at registration)."""
    event = CustomerAbsorbed(survivor_id=UUID(survivor_id), merged_id=UUID(merged_id), reason="same person")
    store = runtime_of(intake).store
    version = len(stream(intake, survivor_id))
    assert intake.portal is not None
    intake.portal.call(store.append, UUID(survivor_id), "customer", version, [event])


def test_a_merged_customers_request_follows_the_survivor(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    request = anonymous_request(intake, clock)
    request_id = request["request_id"]
    [request_key] = keys_of(intake, request_id)
    merged = intake.post("/customers", json=PERSON, headers=DESK)
    assert merged.status_code == 201, merged.text
    merged_id: str = merged.json()["customer_id"]
    link(intake, request, merged_id)
    other = PERSON | {"first_name": "Jeanne-Marie", "email": "jm.martin@exemple.fr"}
    survivor = intake.post("/customers", json=other, headers=DESK)
    assert survivor.status_code == 201, survivor.text
    survivor_id: str = survivor.json()["customer_id"]
    absorb(intake, survivor_id, merged_id)
    feed(api, published(intake))
    kept, absorbing = activity(api, merged_id), activity(api, survivor_id)
    assert kept is not None and kept.open_requests == 0
    assert absorbing is not None and absorbing.open_requests == 1

    proof = erase(api, survivor_id)

    assert request_key.key_id in proof.key_ids
    past_the_key_cache(intake)
    assert received_fields(intake, request_id) == (None, None)
