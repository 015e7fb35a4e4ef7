"""A RelanceDue from a running sla-clock becomes a relance email (aiosmtpd on loopback) and a
RelanceSent in documents' store; published on the same in-process bus, sla-clock consumes it
and arms the second relance 3 days after it was sent."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

from documents.adapters.outbox import SqlMailQueue
from documents.adapters.smtp import MailSettings, SmtpSender
from documents.adapters.unit_of_work import SqlUnitOfWork
from documents.app.mail import MailIdentity, MailWorker
from documents.entrypoints.mail_events import MailEvents
from documents.service import DEFINITION
from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from events.checkpoints import load_consumer_checkpoint
from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from sla_clock.domain.streams import request_stream
from tests.api.documents.mail_server import SmtpServer
from tests.api.sla_clock.sla_harness import T0, Harness

DOCUMENTS_TOPIC = "guichet.documents"


async def migrate(url: str) -> None:
    engine = create_engine(url)
    await upgrade_platform(engine)
    assert DEFINITION.migrations is not None
    await upgrade(engine, DEFINITION.migrations, "alembic_version_documents")
    await engine.dispose()


class DocumentsSide:
    """documents' consumer handlers, outbox and worker on their own store, in the harness's loop."""

    def __init__(self, h: Harness, url: str, smtp_port: int) -> None:
        self.h = h
        self.url = url
        self.smtp_port = smtp_port

    async def start(self) -> None:
        self.engine = create_engine(self.url)
        self.store = SqlEventStore(self.engine, source="/guichet/documents")

        class Now:
            def __init__(self, h: Harness) -> None:
                self.h = h

            def now(self) -> datetime:
                return self.h.clock.now

        clock = Now(self.h)
        self.handlers = MailEvents(MailIdentity(), clock.now, lambda facts, at: None).handlers()
        settings = MailSettings(smtp_host="127.0.0.1", smtp_port=self.smtp_port, smtp_tls="none")
        self.worker = MailWorker(
            SqlMailQueue(self.engine),
            SmtpSender(settings),
            lambda: SqlUnitOfWork(self.store, clock, lambda: None),
            clock,
        )

    async def consume(self, *events: DomainEvent) -> None:
        for event in events:
            if handler := self.handlers.get(event.event_type):
                async with self.engine.begin() as connection:
                    await handler(None, event, connection)  # type: ignore[arg-type]

    async def send_and_publish(self) -> int:
        sent = await self.worker.drain()
        await self.h.bus.advance(DOCUMENTS_TOPIC, await self.store.head_position())
        return sent

    async def stop(self) -> None:
        await self.worker.sender.close()
        await self.engine.dispose()


def sla_stream(h: Harness, rid: UUID) -> list[Any]:
    return [e.decode() for e in h.call(h.runtime.store.read_stream, request_stream(rid))]


def relances_due(h: Harness, rid: UUID) -> list[Any]:
    return [e for e in sla_stream(h, rid) if type(e).__name__ == "RelanceDue"]


def consumed_by_sla_clock(h: Harness, position: int, timeout: float = 10) -> None:
    async def poll() -> None:
        async with asyncio.timeout(timeout):
            while True:
                async with h.runtime.engine.connect() as connection:
                    if await load_consumer_checkpoint(connection, "sla-clock", DOCUMENTS_TOPIC) >= position:
                        return
                await asyncio.sleep(0.02)

    h.call(poll)


def test_relance_due_to_relance_sent_arms_the_second_relance(tmp_path: Path) -> None:
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
            intake_events: list[DomainEvent] = [
                ev.RequestReceived(
                    request_id=rid,
                    reference="DEM-2026-000321",
                    contact="lea@example.org",
                    channel="email",
                    subject="Remboursement",
                    received_at=T0 - timedelta(days=10),
                ),
                ev.RequestAcknowledged(request_id=rid, at=T0 - timedelta(days=9)),
                ev.AwaitingCustomer(
                    request_id=rid, at=T0, expected="votre RIB", customer_due_at=T0 - timedelta(days=7)
                ),
            ]
            h.send(rid, *intake_events)
            h.call(side.consume, *intake_events)
            h.clock.advance(minutes=1)
            h.fire()
            (first_due,) = relances_due(h, rid)
            h.call(side.consume, first_due)
            assert h.call(side.send_and_publish) == 1
            (message,) = smtp.inbox.received
            assert message["Subject"] == "Suivi de votre demande n°DEM-2026-000321"
            assert "votre RIB" in message.get_content()  # type: ignore[attr-defined]
            sent_at = h.clock.now
            consumed_by_sla_clock(h, h.call(side.store.head_position))

            async def relance_sent() -> list[Any]:
                return [e.decode() for e in await side.store.read_all(0)]

            (recorded,) = [e for e in h.call(relance_sent) if type(e).__name__ == "RelanceSent"]
            assert recorded.request_id == rid and recorded.ordinal == 1 and recorded.sent_at == sent_at

            h.clock.now = sent_at + timedelta(days=3) - timedelta(minutes=1)
            h.fire()
            assert len(relances_due(h, rid)) == 1, "not before 3 days after the first was sent"
            h.clock.now = sent_at + timedelta(days=3, minutes=1)
            h.fire()
            second = relances_due(h, rid)[1]
            assert second.ordinal == 2
            assert second.due_at == sent_at + timedelta(days=3)
            h.call(side.stop)
    finally:
        smtp.stop()
