"""Documents and approvals in one process on one in-process bus (as ``serve_all`` runs them):
a submitted document becomes an approval request, a manager then a director decide over
approvals' API, documents' own view sees ``ResponseValidated`` and the transmission goes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.routing import Mount

from approvals.app.documents import approval_id_of
from approvals.service import DEFINITION as APPROVALS
from documents.service import DEFINITION as DOCUMENTS
from events.bus import InProcessBus
from events.catalogue.documents import DocumentSubmittedForValidation
from events.envelope import Envelope, Metadata
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def bearer(subject: str, role: str, level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=(role,), teams=('support',), level=level)}"}


AGENT = bearer("alice", "agent")
MANAGER = bearer("bob", "manager", 2)
DIRECTOR = bearer("dora", "director", 3)


def quote(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "quote",
        "customer_id": str(uuid4()),
        "request_id": str(uuid4()),
        "profile": "b2b",
        "language": "fr",
        "channel": "letter",
        "recipients": ["Ateliers Durand, 12 rue des Forges, Lyon"],
        "content": {
            "customer": {
                "name": "Ateliers Durand SARL",
                "address": "12 rue des Forges, 69002 Lyon",
                "siret": "73282932000074",
                "vat_number": "FR44732829320",
            },
            "lines": [
                {"description": "Maintenance", "quantity": "3", "unit_price": "19.99", "vat_rate": "20"}
            ],
            "validity_days": 30,
            "payment_terms": "30 jours date de facture, virement",
            "delivery_delay": "2 semaines",
        },
    } | changes


def together(apps: dict[str, FastAPI]) -> Starlette:
    """One ASGI app mounting each service under its name, their lifespans run in one loop."""

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            for app in apps.values():
                await stack.enter_async_context(app.router.lifespan_context(app))
            yield

    return Starlette(routes=[Mount(f"/{name}", app=app) for name, app in apps.items()], lifespan=lifespan)


@pytest.fixture
def both(tmp_path: Path) -> Iterator[TestClient]:
    bus = InProcessBus()
    clock = FixedClock()
    apps = {
        "documents": create_service_app(
            replace(DOCUMENTS, extra={"clock": clock}),
            ServiceSettings(service="documents", data_dir=tmp_path / "documents", log_json=False),
            bus,
        ),
        "approvals": create_service_app(
            replace(APPROVALS, extra={"clock": clock, "deadline_worker": False}),
            ServiceSettings(service="approvals", data_dir=tmp_path / "approvals", log_json=False),
            bus,
        ),
    }
    with TestClient(together(apps)) as client:

        async def ready() -> None:
            async with asyncio.timeout(15):
                for app in apps.values():
                    await app.state.runtime.ready.wait()

        assert client.portal is not None
        client.portal.call(ready)
        yield client


def eventually(client: TestClient, found: Callable[[], Any]) -> Any:
    """``found()`` once it answers something truthy: delivery through the bus is asynchronous."""

    async def pause() -> None:
        await asyncio.sleep(0.05)

    assert client.portal is not None
    for _ in range(200):
        if answer := found():
            return answer
        client.portal.call(pause)
    raise AssertionError("not delivered within 10 s")


def test_a_submitted_document_is_requested_decided_in_approvals_then_transmitted(both: TestClient) -> None:
    drafted = both.post("/documents/documents", json=quote(), headers=AGENT)
    assert drafted.status_code == 201, drafted.text
    document_id = drafted.json()["document_id"]
    assert both.post(f"/documents/documents/{document_id}/issue", headers=AGENT).status_code == 200
    submitted = both.post(f"/documents/documents/{document_id}/submit", headers=AGENT)
    assert submitted.status_code == 200, submitted.text
    content_hash = submitted.json()["content_hash"]
    refused = both.post(f"/documents/documents/{document_id}/transmit", headers=AGENT)
    assert refused.status_code in (403, 409), refused.text

    def waiting_for(headers: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = both.get("/approvals/inbox", headers=headers).json()["items"]
        return [i for i in items if i["request_id"] == submitted.json()["request_id"]]

    assert (
        both.post(
            "/approvals/habilitations", json={"person": "bob", "level": 2}, headers=DIRECTOR
        ).status_code
        == 201
    )
    (requested,) = eventually(both, lambda: waiting_for(MANAGER))
    approval = both.get(f"/approvals/approvals/{requested['approval_id']}", headers=MANAGER).json()
    assert (approval["kind"], approval["level"], approval["author"]) == ("contract", 3, "alice")
    assert (approval["request_id"], approval["content_hash"]) == (
        submitted.json()["request_id"],
        content_hash,
    )

    decide = f"/approvals/approvals/{requested['approval_id']}/decisions"
    by_manager = both.post(decide, json={"decision": "approve"}, headers=MANAGER)
    assert by_manager.status_code == 200, by_manager.text
    assert by_manager.json()["status"] == "pending"
    by_director = both.post(decide, json={"decision": "approve"}, headers=DIRECTOR)
    assert by_director.json()["status"] == "validated", by_director.text

    def transmitted() -> Any:
        answer = both.post(f"/documents/documents/{document_id}/transmit", headers=AGENT)
        return answer if answer.status_code == 200 else None

    assert eventually(both, transmitted).json()["status"] == "transmitted"


def submitted_event(minimum_level: int, kind: str = "delay_notice") -> DocumentSubmittedForValidation:
    return DocumentSubmittedForValidation(
        document_id=uuid4(),
        kind=kind,
        request_id=uuid4(),
        customer_id=uuid4(),
        content_hash="ab" * 32,
        minimum_level=minimum_level,
        channel="email",
        submitted_by="alice",
        submitted_at=NOW,
    )


def delivered(client: TestClient, event: DocumentSubmittedForValidation) -> None:
    """Through approvals' own consumer, each time in a new envelope (a replay, a republish)."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]
    envelope = Envelope(
        id=uuid4(),
        source="/guichet/documents",
        type=event.event_type,
        time=NOW,
        stream_id=event.document_id,
        stream_type="document",
        stream_version=1,
        schema_version=event.schema_version,
        data=event.model_dump(mode="json"),
        metadata=Metadata(actor="alice"),
    )

    async def process() -> None:
        assert runtime.consumer is not None
        await runtime.consumer.process(envelope)

    assert client.portal is not None
    client.portal.call(process)


def test_a_document_delivered_twice_is_requested_once_at_its_minimum_level(api: TestClient) -> None:
    event = submitted_event(minimum_level=2)
    delivered(api, event)
    delivered(api, event)
    approval = api.get(f"/approvals/{approval_id_of(event)}", headers=MANAGER)
    assert approval.status_code == 200, approval.text
    assert (approval.json()["kind"], approval.json()["level"]) == ("standard_answer", 2)
    assert "raised to the level 2" in approval.json()["rule"]
    items = api.get("/inbox", headers=MANAGER).json()["items"]
    assert [i["approval_id"] for i in items] == [str(approval_id_of(event))]
    level_1 = submitted_event(minimum_level=1)
    delivered(api, level_1)
    assert api.get(f"/approvals/{approval_id_of(level_1)}", headers=MANAGER).json()["status"] == "validated"
