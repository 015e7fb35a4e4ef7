"""An erasure reaches every service (``events.service.erasure``): intake, documents, approvals
and the SLA clock each blank what they hold in clear of the subject (read models, emails,
parked events), record their own ``<context>.SubjectDataErased``, and retention shows what
each did. Events go from one service to the other as the bus hands them over (a producer's
stored events, fed to the other's consumer); all share one key database."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from retention_desk import DPO, MovableClock, feed, ready, runtime_of
from sqlalchemy import insert, select
from test_erasure_reaches_intake import PERSON, assert_blanked, intake, published, register

from approvals.service import DEFINITION as APPROVALS
from documents.adapters.erasure import ERASED_BEFORE_SENDING
from documents.adapters.outbox import FAILED, SqlMailOutbox, customer_contacts, mail_outbox, request_facts
from documents.app.mail import Mail
from documents.service import DEFINITION as DOCUMENTS
from events.catalogue import REGISTRY
from events.catalogue.intake import CustomerUpdated
from events.catalogue.retention import ServiceDataErased
from events.envelope import Envelope, PiiMarker
from events.service.app import create_service_app
from events.service.runtime import ServiceDefinition
from events.service.settings import ServiceSettings
from events.tables import parked_events
from sla_clock.service import DEFINITION as SLA_CLOCK

__all__ = ["intake"]  # the intake fixture, shared with the intake-only erasure test

SERVICES = {"documents": DOCUMENTS, "approvals": APPROVALS, "sla_clock": SLA_CLOCK}
EXTRA: dict[str, dict[str, Any]] = {
    "documents": {"mail_worker": False},
    "approvals": {"deadline_worker": False},
    "sla_clock": {"scheduler": False},
}


def start(definition: ServiceDefinition, data_dir: Path, clock: MovableClock) -> TestClient:
    settings = ServiceSettings(service=definition.name, data_dir=data_dir / "retention", log_json=False)
    extra = {"clock": clock, **EXTRA[definition.context]}
    return TestClient(create_service_app(replace(definition, extra=extra), settings))


@pytest.fixture
def others(data_dir: Path, clock: MovableClock) -> Iterator[dict[str, TestClient]]:
    """Documents, approvals and the SLA clock, in retention's data directory (its key database),
    started one after the other (migrations run one at a time in a process)."""
    clients: dict[str, TestClient] = {}
    try:
        for name, definition in SERVICES.items():
            client = start(definition, data_dir, clock)
            client.__enter__()
            clients[name] = ready(client)
        yield clients
    finally:
        for client in clients.values():
            client.__exit__(None, None, None)


def hand_over(source: TestClient, target: TestClient) -> None:
    """``source``'s published events, fed to ``target``'s own consumer (as the bus would)."""
    runtime = runtime_of(target)
    assert runtime.definition.consumer_factory is not None
    consumer = runtime.definition.consumer_factory(runtime)
    envelopes = published(source)

    async def run() -> None:
        await consumer.process_many(envelopes)

    assert target.portal is not None
    target.portal.call(run)


def on(client: TestClient, query: Any) -> list[Any]:
    engine = runtime_of(client).engine

    async def run() -> list[Any]:
        async with engine.begin() as connection:
            return list((await connection.execute(query)).all())

    assert client.portal is not None
    return client.portal.call(run)


def put_waiting_mail(documents: TestClient, request_id: str) -> None:
    mail = Mail(
        f"<{uuid4()}@guichet>",
        "relance",
        "guichet@exemple.fr",
        ("jeanne.martin@exemple.fr",),
        b"Bonjour Jeanne Martin",
        UUID(request_id),
        None,
        {"content": "Bonjour Jeanne Martin, il nous manque votre RIB"},
    )

    async def run() -> None:
        async with runtime_of(documents).engine.begin() as connection:
            await SqlMailOutbox(connection).put(mail, datetime.now(UTC))

    assert documents.portal is not None
    documents.portal.call(run)


def park_clear_event(documents: TestClient, customer_id: str) -> None:
    """An event stored in clear (before sealing), parked with its value quoted in the error."""
    changes = {"email": "jeanne.m@exemple.fr"}
    envelope = Envelope(
        id=uuid4(),
        source="/guichet/intake",
        type=CustomerUpdated.event_type,
        time=datetime.now(UTC),
        stream_id=UUID(customer_id),
        stream_type="customer",
        stream_version=2,
        schema_version=1,
        data={"customer_id": customer_id, "changes": changes},
        pii=PiiMarker(subject=customer_id, fields=("changes",)),
    )
    row = {
        "consumer": "documents",
        "stream_key": customer_id,
        "event_id": str(envelope.id),
        "topic": None,
        "message": envelope.model_dump(mode="json"),
        "error": "ValueError(\"refused 'jeanne.m@exemple.fr'\")",
        "parked_at": datetime.now(UTC),
    }
    on(documents, insert(parked_events).values(**row).returning(parked_events.c.id))


def reports(client: TestClient) -> list[ServiceDataErased]:
    found = [e.decode() for e in published(client) if e.type.endswith(".SubjectDataErased")]
    assert all(isinstance(report, ServiceDataErased) for report in found)
    return found


def test_an_erasure_blanks_every_service_and_retention_shows_what_each_did(
    api: TestClient, intake: TestClient, others: dict[str, TestClient], clock: MovableClock
) -> None:
    documents = others["documents"]
    customer_id, request = register(intake, clock)
    hand_over(intake, documents)
    [(email,)] = on(documents, select(customer_contacts.c.email))
    assert email == PERSON["email"]
    put_waiting_mail(documents, request)
    park_clear_event(documents, customer_id)
    feed(api, published(intake))

    body = {"kind": "erasure", "identity": {"name": "Jeanne Martin"}, "customer_id": customer_id}
    request_id = api.post("/subject-requests", json=body, headers=DPO).json()["request_id"]
    api.post(f"/subject-requests/{request_id}/identity-verified", json={"method": "ID card"}, headers=DPO)
    assert api.post(f"/subject-requests/{request_id}/erase", headers=DPO).status_code == 200
    for client in (intake, *others.values()):
        hand_over(api, client)

    assert_blanked(intake, customer_id, request)
    assert on(documents, select(customer_contacts.c.email)) == [(None,)]
    assert on(documents, select(request_facts.c.email, request_facts.c.subject)) == [(None, None)]
    mails = on(documents, select(mail_outbox))
    assert len(mails) >= 1  # ours, and what documents sent on the request's events
    assert all((mail.recipients, mail.message, mail.details) == ([], None, {}) for mail in mails)
    assert all((mail.state, mail.last_error) == (FAILED, ERASED_BEFORE_SENDING) for mail in mails)
    [parked] = on(documents, select(parked_events.c.message, parked_events.c.error))
    assert parked.message["data"]["changes"] == REGISTRY.erased_value(CustomerUpdated.event_type, "changes")
    assert parked.message["erased_fields"] == ["changes"]
    assert "jeanne" not in parked.error and "[erased]" in parked.error

    by_service = {
        report.event_type.split(".")[0]: report for c in (intake, *others.values()) for report in reports(c)
    }
    assert set(by_service) == {"intake", "documents", "approvals", "sla_clock"}
    assert all(str(r.cause_id) == request_id and r.subject == customer_id for r in by_service.values())
    documents_rows = 2 + len(mails)  # the contact, the request's facts, the emails
    assert (by_service["documents"].read_model_rows, by_service["documents"].parked_events) == (
        documents_rows,
        1,
    )
    assert (by_service["approvals"].read_model_rows, by_service["sla_clock"].read_model_rows) == (0, 0)
    assert by_service["intake"].read_model_rows == 2 and by_service["intake"].events_affected == 2

    for client in (intake, *others.values()):
        feed(api, published(client))
    answer = api.get(f"/subject-requests/{request_id}", headers=DPO).json()
    assert answer["events_affected_by_service"] == {
        "intake": 2,
        "documents": 0,
        "approvals": 0,
        "sla-clock": 0,
    }
    assert answer["erased_by_service"]["documents"] == {
        "subjects": 1,
        "events_affected": 0,
        "read_model_rows": documents_rows,
        "parked_events": 1,
    }

    for client in (intake, *others.values()):
        hand_over(api, client)
    assert sum(len(reports(client)) for client in (intake, *others.values())) == 4
