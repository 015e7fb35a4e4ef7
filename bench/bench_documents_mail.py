"""Documents email out: through the outbox to an SMTP server on loopback (aiosmtpd), PostgreSQL.

* throughput: validated ticket summaries transmitted by email first (not timed: each puts its
  message, HTML and PDF attached, into the outbox with ``DocumentTransmitted``), then the
  worker drains the outbox: each message sent over one reused SMTP connection, then the
  batch's ``DocumentSent`` recorded with the outbox rows' update in one transaction;
* latency: with the worker running in the background, one document at a time: the
  ``ResponseValidated`` recorded in the service's validations view, ``TransmitDocument``
  (render, hash, gate, outbox), then the server's acceptance (its DATA handler's clock).
"""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from bench.core import Context, Result, scaled

THROUGHPUT_TARGET = 200.0
LATENCY_TARGET_MS = 2000.0
GROUP = "documents"
SETUP_TASKS = 8
NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)
CONTENT = {
    "summary": "Panne réseau",
    "priority": "p2",
    "priority_reason": "impact moyen",
    "last_action": "diagnostic",
    "in_progress": "remplacement",
    "next_step": "test",
    "owner": "alice",
    "next_update_at": "2026-11-30T10:00:00+01:00",
}


class Accepted:
    """aiosmtpd's handler: when each Message-ID was accepted."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}
        self.count = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.count += 1
        for line in envelope.content.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                self.at[line.split(b":", 1)[1].strip().decode()] = time.perf_counter()
                break
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def measure(ctx: Context, count: int, latency_count: int) -> tuple[float, int, list[float]]:
    """(emails/s, messages the server accepted in the throughput run, latencies in ms)."""
    from aiosmtpd.controller import Controller

    from documents.adapters.outbox import SqlMailQueue
    from documents.adapters.rendering import DocumentRenderer
    from documents.adapters.smtp import MailSettings, SmtpPool
    from documents.adapters.templating import SandboxedTemplates
    from documents.adapters.transmitters import ChannelTransmitters, default_transmitters
    from documents.adapters.unit_of_work import SqlUnitOfWork
    from documents.adapters.validations import record_validation
    from documents.app import commands as c
    from documents.app.bus import documents_bus
    from documents.app.mail import EmailTransmitter, MailIdentity, MailWorker
    from documents.domain.document import DraftContent
    from documents.domain.kinds import DocumentKind, Language, Profile, SendingChannel
    from documents.domain.organisation import DEFAULT_ORGANISATION
    from documents.service import DEFINITION
    from events.catalogue import approvals as a
    from events.db import create_engine
    from events.envelope import Metadata
    from events.migrations import upgrade, upgrade_platform
    from events.store import SqlEventStore

    class Clock:
        def now(self) -> datetime:
            return datetime.now(UTC)

    accepted = Accepted()
    port = free_port()
    controller = Controller(accepted, hostname="127.0.0.1", port=port)
    controller.start()
    engine = create_engine(await ctx.database(f"bench_mail_{uuid.uuid4().hex[:8]}"), pool_size=8)
    worker: MailWorker | None = None
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_documents")
        store = SqlEventStore(engine, source="/guichet/documents")
        clock = Clock()

        def wake() -> None:
            if worker is not None:
                worker.wake()

        def uow() -> SqlUnitOfWork:
            return SqlUnitOfWork(store, clock, wake)

        email = EmailTransmitter(MailIdentity(), clock)
        transmitters = ChannelTransmitters({**default_transmitters(), SendingChannel.EMAIL: email})
        bus = documents_bus(
            uow, clock, DEFAULT_ORGANISATION, DocumentRenderer(), SandboxedTemplates(), transmitters
        )
        settings = MailSettings(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")
        worker = MailWorker(SqlMailQueue(engine), SmtpPool(settings), uow, clock)
        metadata = Metadata(actor="bench")

        async def submitted() -> Any:
            document = await bus.handle(
                c.DraftDocument(
                    metadata=metadata,
                    document_id=uuid.uuid4(),
                    kind=DocumentKind.TICKET_SUMMARY,
                    customer_id=uuid.uuid4(),
                    request_id=None,
                    profile=Profile.B2C,
                    language=Language.FR,
                    draft=DraftContent(CONTENT, ("client@example.org",), SendingChannel.EMAIL),
                )
            )
            await bus.handle(c.IssueDocument(metadata=metadata, document_id=document.id))
            return await bus.handle(c.SubmitDocument(metadata=metadata, document_id=document.id))

        async def validate(content_hash: str) -> None:
            decision = a.ResponseValidated(
                approval_id=uuid.uuid4(),
                request_id=uuid.uuid4(),
                content_hash=content_hash,
                kind="ticket_summary",
                level=1,
                rules_version=1,
                author="alice",
                validated_by=("maud",),
                validated_at=NOW,
            )
            async with engine.begin() as connection:
                await record_validation(connection, decision)

        async def transmitted(share: int) -> None:
            for _ in range(share):
                document = await submitted()
                await validate(document.submitted_hash)
                await bus.handle(c.TransmitDocument(metadata=metadata, document_id=document.id))

        await asyncio.gather(*(transmitted(count // SETUP_TASKS) for _ in range(SETUP_TASKS)))
        count = (count // SETUP_TASKS) * SETUP_TASKS
        began = time.perf_counter()
        while await worker.drain():
            pass
        rate = count / (time.perf_counter() - began)
        sent = accepted.count

        running = asyncio.create_task(worker.run())
        latencies: list[float] = []
        for _ in range(latency_count):
            document = await submitted()
            before = len(accepted.at)
            started = time.perf_counter()
            await validate(document.submitted_hash)
            await bus.handle(c.TransmitDocument(metadata=metadata, document_id=document.id))
            deadline = started + 10
            # The server runs on its own thread's loop: polled, 1 ms apart.
            while len(accepted.at) == before and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.001)
            message_at = max(accepted.at.values())
            latencies.append((message_at - started) * 1000)
        worker.stop()
        await running
        return rate, sent, latencies
    finally:
        if worker is not None:
            await worker.sender.close()
        controller.stop()
        await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run(ctx: Context) -> list[Result]:
    count = scaled(1000, minimum=100)
    latency_count = scaled(100, minimum=30)
    rate, sent, latencies = await measure(ctx, count, latency_count)
    return [
        Result(
            "documents: emails through the outbox to a local SMTP server (PostgreSQL)",
            rate,
            unit="emails/s",
            target=THROUGHPUT_TARGET,
            count=count,
            detail=f"{sent} accepted by the server, DocumentSent recorded for each, HTML + PDF attached",
            group=GROUP,
        ),
        Result(
            "documents: ResponseValidated -> SMTP acceptance p99",
            percentile(latencies, 0.99),
            unit="ms",
            target=LATENCY_TARGET_MS,
            lower_is_better=True,
            count=len(latencies),
            detail=f"p50 {percentile(latencies, 0.5):.1f} ms, worker woken on commit",
            group=GROUP,
        ),
    ]
