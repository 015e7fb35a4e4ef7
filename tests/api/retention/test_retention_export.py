"""The access export through retention's routes: a copy of the subject's data from the five
services, personal fields opened through the key ring while their key exists and shown as
erased (with why) once it is destroyed; JSON, HTML and text; portability stays JSON; every
export recorded (``DataExported``) and logged (``ArchiveAccessed``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient
from retention_desk import AGENT, DPO, MovableClock, bearer, feed, ready, runtime_of

from events.catalogue import DomainEvent
from events.catalogue.approvals import ApprovalRequested
from events.catalogue.documents import DocumentDrafted
from events.catalogue.retention import ArchiveAccessed, DataExported
from events.catalogue.sla_clock import SlaWarning
from events.db import create_engine
from events.envelope import Envelope
from events.migrations import upgrade_platform
from events.pii.protector import EncryptedPayloads
from events.service.app import create_service_app
from events.service.settings import ServiceSettings
from events.store import SqlEventStore
from intake.service import DEFINITION as INTAKE

DESK = bearer("alice", "agent", "manager")


@pytest.fixture
def intake(data_dir: Path, clock: MovableClock) -> Iterator[TestClient]:
    """Intake in the same data directory: the same key database as retention."""
    settings = ServiceSettings(service="intake", data_dir=data_dir / "retention", log_json=False)
    with TestClient(create_service_app(replace(INTAKE, extra={"clock": clock}), settings)) as client:
        yield ready(client)


def call(client: TestClient, function: Any, *args: Any) -> Any:
    assert client.portal is not None
    return client.portal.call(function, *args)


def register(intake: TestClient, clock: MovableClock, *, language: str = "fr") -> tuple[str, str, str]:
    """A customer who called about an invoice: (customer id, request id, email)."""
    email = f"jeanne.{uuid4().hex[:8]}@exemple.fr"
    customer = intake.post(
        "/customers",
        json={
            "profile": "b2c",
            "first_name": "Jeanne",
            "last_name": "Martin",
            "email": email,
            "language": language,
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
    request_id: str = request.json()["request_id"]
    interaction = intake.post(
        f"/requests/{request_id}/interactions",
        json={
            "channel": "phone",
            "direction": "outbound",
            "subject": "Rappel facture",
            "summary": "Avoir de 42 EUR promis à Mme Martin",
        },
        headers=DESK | {"If-Match": request.headers["ETag"]},
    )
    assert interaction.status_code in (200, 201), interaction.text
    return customer_id, request_id, email


def published_by(api: TestClient, service: str, *events: tuple[UUID, DomainEvent]) -> list[Envelope]:
    """``events`` stored (sealed) by another service sharing the key database, as it publishes them."""
    runtime = runtime_of(api)
    directory = runtime.settings.data_dir

    async def append() -> list[Envelope]:
        engine = create_engine(f"sqlite:///{directory / (service + '-events.db')}")
        await upgrade_platform(engine)
        store = SqlEventStore(
            engine, source=f"/guichet/{service}", protector=EncryptedPayloads(runtime.keyring)
        )
        stored: list[Envelope] = []
        for stream_id, event in events:
            stored += await store.append(stream_id, service, 0, [event])
        await engine.dispose()
        return [envelope.stored() for envelope in stored]

    return call(api, append)


def other_services(api: TestClient, customer_id: str, request_id: str, email: str) -> list[Envelope]:
    at = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
    document_id, approval_id = uuid4(), uuid4()
    drafted = DocumentDrafted(
        document_id=document_id,
        kind="letter",
        customer_id=UUID(customer_id),
        request_id=UUID(request_id),
        profile="b2c",
        language="fr",
        channel="email",
        recipients=[email],
        content={"body": "Madame Martin, votre avoir de 42 EUR est accordé."},
        template_version=1,
        drafted_by="alice",
        drafted_at=at,
    )
    approval = ApprovalRequested(
        approval_id=approval_id,
        request_id=UUID(request_id),
        content_hash="0" * 64,
        kind="commercial_gesture",
        level=2,
        rule="gesture over 20 EUR",
        rules_version=1,
        author="Alice Agent",
        requested_at=at,
    )
    warning = SlaWarning(
        request_id=UUID(request_id),
        kind="resolution",
        due_at=at + timedelta(days=2),
        threshold_at=at,
        emitted_at=at,
        advice="inform the customer",
    )
    return [
        *published_by(api, "documents", (document_id, drafted)),
        *published_by(api, "approvals", (approval_id, approval)),
        *published_by(api, "sla-clock", (UUID(request_id), warning)),
    ]


def verified_request(api: TestClient, kind: str, customer_id: str) -> str:
    body = {
        "kind": kind,
        "identity": {"name": "Jeanne Martin", "born": "1970-01-01"},
        "customer_id": customer_id,
    }
    received = api.post("/subject-requests", json=body, headers=AGENT)
    assert received.status_code == 201, received.text
    request_id: str = received.json()["request_id"]
    verified = api.post(
        f"/subject-requests/{request_id}/identity-verified", json={"method": "ID card"}, headers=DPO
    )
    assert verified.status_code == 200, verified.text
    return request_id


def of_type(document: dict[str, Any], event_type: str) -> dict[str, Any]:
    [event] = [e for e in document["events"] if e["type"] == event_type]
    return event


def test_the_access_export_opens_every_services_personal_fields_in_json_html_and_text(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, intake_request, email = register(intake, clock)
    feed(api, call(intake, runtime_of(intake).store.read_all, 0, 10_000))
    feed(api, other_services(api, customer_id, intake_request, email))
    request_id = verified_request(api, "access", customer_id)

    exported = api.post(f"/subject-requests/{request_id}/export", headers=DPO)
    assert exported.status_code == 200, exported.text
    document = exported.json()["data"]
    assert document["language"] == "fr"
    assert set(document["events_by_service"]) == {"intake", "documents", "approvals", "sla-clock"}
    registered = of_type(document, "intake.CustomerRegistered")
    assert registered["personal_data"]["first_name"] == "Jeanne"
    assert registered["personal_data"]["email"] == email and registered["erased"] == []
    drafted = of_type(document, "documents.DocumentDrafted")
    assert drafted["personal_data"]["recipients"] == [email]
    assert drafted["personal_data"]["content"] == {
        "body": "Madame Martin, votre avoir de 42 EUR est accordé."
    }
    approval = of_type(document, "approvals.ApprovalRequested")
    assert approval["withheld"] == ["author"] and "author" not in approval["personal_data"]
    assert of_type(document, "sla_clock.SlaWarning")["data"]["advice"] == "inform the customer"
    interaction = of_type(document, "intake.InteractionRecorded")
    assert interaction["personal_data"]["summary"] == "Avoir de 42 EUR promis à Mme Martin"
    [own_request] = document["subject_requests"]
    assert own_request["identity"] == {"name": "Jeanne Martin", "born": "1970-01-01"}

    html = api.post(f"/subject-requests/{request_id}/export?format=html", headers=DPO)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert '<html lang="fr">' in html.text and "Copie de vos données personnelles" in html.text
    assert "Jeanne" in html.text and email in html.text and "Alice Agent" not in html.text
    text = api.post(f"/subject-requests/{request_id}/export?format=text", headers=DPO)
    assert text.headers["content-type"].startswith("text/plain")
    assert "Jeanne" in text.text and "votre avoir de 42 EUR" in text.text

    stored = call(api, runtime_of(api).store.read_all, 0, 10_000)
    formats = [e.decode().format for e in stored if e.type == DataExported.event_type]
    assert formats == ["json", "html", "text"]
    reads = [e.decode() for e in stored if e.type == ArchiveAccessed.event_type]
    assert [(r.kind, str(r.customer_id), r.reader) for r in reads] == [("export", customer_id, "dpo-1")] * 3


def test_after_an_erasure_the_export_shows_the_erased_fields_with_why_and_keeps_billing(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, intake_request, email = register(intake, clock)
    feed(api, call(intake, runtime_of(intake).store.read_all, 0, 10_000))
    feed(api, other_services(api, customer_id, intake_request, email))
    erasure = verified_request(api, "erasure", customer_id)
    assert api.post(f"/subject-requests/{erasure}/erase", headers=DPO).status_code == 200

    request_id = verified_request(api, "access", customer_id)
    exported = api.post(f"/subject-requests/{request_id}/export", headers=DPO)
    assert exported.status_code == 200, exported.text
    document = exported.json()["data"]
    registered = of_type(document, "intake.CustomerRegistered")
    assert "first_name" not in registered["personal_data"] and "email" not in registered["personal_data"]
    erased = {e["field"]: e for e in registered["erased"]}
    assert {"first_name", "last_name", "email"} <= set(erased)
    assert erased["email"]["category"] == "contractual"
    assert erased["email"]["why"].startswith("erased at the person's request")
    assert erased["email"]["erased_at"] is not None
    assert of_type(document, "documents.DocumentDrafted")["personal_data"] == {}
    assert document["categories"]["contractual"] == "erased"
    assert any(e["category"] == "contractual" for e in document["erasures"])
    assert len(document["events"]) == sum(document["events_by_service"].values())

    html = api.post(f"/subject-requests/{request_id}/export?format=html", headers=DPO)
    assert "Jeanne" not in html.text and email not in html.text
    assert "effacé" in html.text and "erased at the person&#x27;s request" in html.text


def test_an_english_speaking_customer_gets_the_readable_copy_in_english(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, _, _ = register(intake, clock, language="en")
    feed(api, call(intake, runtime_of(intake).store.read_all, 0, 10_000))
    request_id = verified_request(api, "access", customer_id)
    html = api.post(f"/subject-requests/{request_id}/export?format=html", headers=DPO)
    assert html.status_code == 200, html.text
    assert '<html lang="en">' in html.text and "Copy of your personal data" in html.text


def test_a_portability_export_is_machine_readable_only(
    api: TestClient, intake: TestClient, clock: MovableClock
) -> None:
    customer_id, _, _ = register(intake, clock)
    feed(api, call(intake, runtime_of(intake).store.read_all, 0, 10_000))
    request_id = verified_request(api, "portability", customer_id)
    refused = api.post(f"/subject-requests/{request_id}/export?format=html", headers=DPO)
    assert refused.status_code == 422 and refused.json()["type"].endswith("/portability-is-machine-readable")
    exported = api.post(f"/subject-requests/{request_id}/export", headers=DPO)
    assert exported.status_code == 200
    assert (
        of_type(exported.json()["data"], "intake.CustomerRegistered")["personal_data"]["first_name"]
        == "Jeanne"
    )
    stored = call(api, runtime_of(api).store.read_all, 0, 10_000)
    assert [e.decode().format for e in stored if e.type == DataExported.event_type] == ["json"]
