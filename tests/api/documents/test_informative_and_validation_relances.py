"""Informative and validation relances end to end (docs/domain.md §8.7): a running sla-clock
emits the ``RelanceDue``, documents writes it with the wording of its kind and sends it to a
real SMTP server (aiosmtpd on loopback), records ``RelanceSent``, and sla-clock, consuming it
from the in-process bus, arms the next step or ends the schedule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from tests.api.documents.mail_server import SmtpServer
from tests.api.documents.test_relance_through_sla_clock import (
    DOCUMENTS_TOPIC,
    DocumentsSide,
    consumed_by_sla_clock,
    migrate,
    sla_stream,
)
from tests.api.sla_clock.sla_harness import T0, Harness

RESOLUTION_DUE = datetime(2026, 3, 9, 9, 0, tzinfo=T0.tzinfo)  # P3 by email: 5 business days


def due_of(h: Harness, rid: UUID, kind: str) -> list[Any]:
    return [e for e in sla_stream(h, rid) if type(e).__name__ == "RelanceDue" and e.kind == kind]


def armed(h: Harness, rid: UUID, prefix: str) -> list[str]:
    deadlines = h.get(f"/requests/{rid}/deadlines")["deadlines"]
    return [d["kind"] for d in deadlines if d["kind"].startswith(prefix) and d["status"] == "active"]


def opened(rid: UUID) -> list[DomainEvent]:
    return [
        ev.RequestReceived(
            request_id=rid,
            reference="DEM-2026-000456",
            contact="lea@example.org",
            channel="email",
            subject="Connexion impossible",
            received_at=T0,
        ),
        ev.RequestAcknowledged(request_id=rid, at=T0 + timedelta(hours=1)),
    ]


def send_relance(h: Harness, side: DocumentsSide, relance: Any) -> datetime:
    """documents consumes the ``RelanceDue`` and sends it; sla-clock consumes the ``RelanceSent``."""
    h.call(side.consume, relance)
    assert h.call(side.send_and_publish) == 1
    consumed_by_sla_clock(h, h.call(side.store.head_position))
    sent_at: datetime = h.clock.now
    return sent_at


def recorded(h: Harness, side: DocumentsSide) -> list[Any]:
    async def read() -> list[Any]:
        return [e.decode() for e in await side.store.read_all(0)]

    return [e for e in h.call(read) if type(e).__name__ == "RelanceSent"]


def test_progress_news_when_the_resolution_deadline_passes_twice_then_the_schedule_ends(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'documents.db'}"
    asyncio.run(migrate(url))
    smtp = SmtpServer()
    smtp.start()
    try:
        with Harness(tmp_path) as h:
            side = DocumentsSide(h, url, smtp.port)
            h.call(side.start)
            h.bus.register(DOCUMENTS_TOPIC, side.store)
            rid = uuid4()
            h.send(rid, *opened(rid))
            h.call(side.consume, *opened(rid))
            h.clock.now = RESOLUTION_DUE - timedelta(minutes=1)
            h.fire()
            assert due_of(h, rid, "informative") == []
            h.clock.now = RESOLUTION_DUE + timedelta(minutes=1)
            h.fire()
            (first,) = due_of(h, rid, "informative")
            assert (first.ordinal, first.customer_due_at) == (1, RESOLUTION_DUE)

            first_sent = send_relance(h, side, first)
            (message,) = smtp.inbox.received
            assert message["Subject"] == "Suivi de votre demande n°DEM-2026-000456"
            body = message.get_content()  # type: ignore[attr-defined]
            assert "02/03/2026" in body and "« Connexion impossible »" in body
            assert "plus de temps que prévu" in body and "Vous n'avez rien à faire" in body
            assert f"au plus tard le {(first_sent + timedelta(days=3)):%d/%m/%Y}" in body
            (relance_sent,) = recorded(h, side)
            assert (relance_sent.kind, relance_sent.ordinal) == ("informative", 1)
            assert armed(h, rid, "informative") == ["informative:2"]

            h.clock.now = first_sent + timedelta(days=3) - timedelta(minutes=1)
            h.fire()
            assert len(due_of(h, rid, "informative")) == 1, "not before 3 days after the first was sent"
            h.clock.now = first_sent + timedelta(days=3, minutes=1)
            h.fire()
            second = due_of(h, rid, "informative")[1]
            assert second.ordinal == 2 and second.due_at == first_sent + timedelta(days=3)
            send_relance(h, side, second)
            assert "Nous vous avons déjà écrit à ce sujet." in smtp.inbox.received[1].get_content()  # type: ignore[attr-defined]
            assert armed(h, rid, "informative") == [], "two pieces of progress news end the schedule"
            h.clock.advance(days=30)
            h.fire()
            assert len(due_of(h, rid, "informative")) == 2
            h.call(side.stop)
    finally:
        smtp.stop()


def test_after_the_resolution_the_customer_is_asked_to_confirm_then_reminded_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'documents.db'}"
    asyncio.run(migrate(url))
    smtp = SmtpServer()
    smtp.start()
    try:
        with Harness(tmp_path) as h:
            side = DocumentsSide(h, url, smtp.port)
            h.call(side.start)
            h.bus.register(DOCUMENTS_TOPIC, side.store)
            rid = uuid4()
            resolved_at = T0 + timedelta(days=2, hours=1)  # Wednesday 11:00 in Paris
            events = [
                *opened(rid),
                ev.RequestResolved(request_id=rid, resolution="mot de passe réinitialisé", at=resolved_at),
            ]
            h.send(rid, *events)
            h.call(side.consume, *events)
            h.clock.now = resolved_at + timedelta(days=2, minutes=1)  # 2 business days: Friday 11:00
            h.fire()
            (first,) = due_of(h, rid, "validation")
            assert (first.ordinal, first.customer_due_at, first.due_at) == (
                1,
                resolved_at,
                resolved_at + timedelta(days=2),
            )
            first_sent = send_relance(h, side, first)
            (message,) = smtp.inbox.received
            assert message["Subject"] == "Suivi de votre demande n°DEM-2026-000456"
            body = message.get_content()  # type: ignore[attr-defined]
            assert "04/03/2026, nous vous avons apporté une solution" in body
            assert f"confirmer avant le {(resolved_at + timedelta(days=10)):%d/%m/%Y}" in body
            assert "nous clôturerons la demande" in body
            (relance_sent,) = recorded(h, side)
            assert (relance_sent.kind, relance_sent.ordinal) == ("validation", 1)
            assert armed(h, rid, "validation") == ["validation:2"]

            h.clock.now = first_sent + timedelta(days=3, minutes=1)
            h.fire()
            second = due_of(h, rid, "validation")[1]
            assert second.ordinal == 2 and second.due_at == first_sent + timedelta(days=3)
            send_relance(h, side, second)
            assert armed(h, rid, "validation") == ["validation:escalation"]

            h.send(
                rid,
                ev.InteractionRecorded(
                    request_id=rid,
                    interaction_id=uuid4(),
                    channel="email",
                    direction="inbound",
                    subject="Re: Suivi de votre demande",
                    summary="tout fonctionne",
                    occurred_at=h.clock.now,
                ),
            )
            assert armed(h, rid, "validation") == [], "the customer's answer ends the schedule"
            h.clock.advance(days=30)
            h.fire()
            assert [type(e).__name__ for e in sla_stream(h, rid)].count("EscalationDue") == 0
            h.call(side.stop)
    finally:
        smtp.stop()
