"""The documents API tests' helpers: tokens, a business quote, and a desk that drafts, issues,
submits, and feeds approvals' decisions to the service's own consumer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from fastapi.testclient import TestClient

from events.catalogue import DomainEvent
from events.catalogue import approvals as a
from events.envelope import Envelope
from events.service.auth import issue_token

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


def bearer(subject: str = "alice", roles: tuple[str, ...] = ("agent",), level: int = 1) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(subject, roles=roles, team='support', level=level)}"}


AGENT = bearer()
MANAGER = bearer("maud", ("manager",), 2)


def quote_content(**changes: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "customer": {
            "name": "Ateliers Durand SARL",
            "address": "12 rue des Forges, 69002 Lyon",
            "siret": "73282932000074",
            "vat_number": "FR44732829320",
        },
        "lines": [{"description": "Maintenance", "quantity": "3", "unit_price": "19.99", "vat_rate": "20"}],
        "validity_days": 30,
        "payment_terms": "30 jours date de facture, virement",
        "delivery_delay": "2 semaines",
    }
    return content | changes


def quote_body(**changes: Any) -> dict[str, Any]:
    return {
        "kind": "quote",
        "customer_id": str(uuid4()),
        "request_id": str(uuid4()),
        "profile": "b2b",
        "language": "fr",
        "channel": "email",
        "recipients": ["achats@durand.example"],
        "content": quote_content(),
    } | changes


class Desk:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.versions = itertools.count(1)

    def draft(self, **changes: Any) -> dict[str, Any]:
        response = self.client.post("/documents", json=quote_body(**changes), headers=AGENT)
        assert response.status_code == 201, response.text
        return response.json()

    def act(self, document: dict[str, Any], action: str, headers: dict[str, str] = AGENT) -> Any:
        return self.client.post(f"/documents/{document['document_id']}/{action}", headers=headers)

    def submitted(self, **changes: Any) -> dict[str, Any]:
        document = self.draft(**changes)
        assert self.act(document, "issue").status_code == 200
        response = self.act(document, "submit")
        assert response.status_code == 200, response.text
        return response.json()

    def decide(self, event: DomainEvent) -> None:
        runtime = self.client.app.state.runtime  # type: ignore[attr-defined]

        envelope = Envelope(
            id=uuid4(),
            source="/guichet/approvals",
            type=event.event_type,
            time=NOW,
            stream_id=event.approval_id,  # type: ignore[attr-defined]
            stream_type="approval",
            stream_version=next(self.versions),
            schema_version=event.schema_version,
            data=event.model_dump(mode="json"),
        )

        async def record() -> None:
            """Through the service's own consumer, as the bus delivers approvals' events."""
            assert runtime.consumer is not None
            await runtime.consumer.process(envelope)

        assert self.client.portal is not None
        self.client.portal.call(record)

    def validate(self, document: dict[str, Any], approval_id: UUID | None = None) -> UUID:
        approval_id = approval_id or uuid4()
        self.decide(
            a.ResponseValidated(
                approval_id=approval_id,
                request_id=UUID(document["request_id"]),
                content_hash=document["content_hash"],
                kind=document["kind"],
                level=1,
                rules_version=1,
                author="alice",
                validated_by=("maud",),
                validated_at=NOW,
            )
        )
        return approval_id
