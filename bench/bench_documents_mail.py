"""Documents email out: through the outbox to an SMTP server on loopback (aiosmtpd), PostgreSQL.

* throughput: validated ticket summaries transmitted by email first (not timed: each puts its
  message, HTML and PDF attached, into the outbox with ``DocumentTransmitted``), then the
  worker drains the outbox: claim a batch, hand its messages to the server over reused
  connections while the outcomes accepted so far are recorded (``DocumentSent`` with the
  outbox rows' update, one transaction per group);
* latency: with the worker running in the background, one document at a time: the
  ``ResponseValidated`` recorded in the service's validations view, ``TransmitDocument``
  (render, hash, gate, outbox), then the server's acceptance (its DATA handler's clock).

The SMTP server runs in a process of its own (``python -m bench.bench_documents_mail``), as a
mail relay would: its CPU is not the worker's. ``BENCH_MAIL_SERVER=thread`` runs it on a
thread of the bench's process instead (aiosmtpd's ``Controller``), for comparison. The server
reports each acceptance (monotonic clock, its CPU time, Message-ID) on its stdout.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from email.policy import default
from pathlib import Path
from typing import Any

from bench.core import Context, Result, scaled

THROUGHPUT_TARGET = 200.0
LATENCY_TARGET_MS = 2000.0
GROUP = "documents"
SETUP_TASKS = 8
LATENCY_TIMEOUT_S = 10.0
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
REPOSITORY = Path(__file__).resolve().parent.parent
_DOCUMENT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def message_id_of(content: bytes) -> str:
    """The Message-ID header, unfolded (a long one is folded onto a second line)."""
    headers = BytesHeaderParser(policy=default).parsebytes(content)
    return str(headers["Message-ID"] or "").strip()


class Acceptances:
    """aiosmtpd's handler: each accepted message reported to ``report(message_id)``."""

    def __init__(self, report: Callable[[str], None]) -> None:
        self.report = report

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.report(message_id_of(envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve() -> None:
    """The server process: ``ready <port> <cpu>`` once listening, then ``<monotonic> <cpu>
    <Message-ID>`` per accepted message; stops when its stdin closes."""
    from aiosmtpd.smtp import SMTP

    def report(message_id: str) -> None:
        sys.stdout.write(f"{time.monotonic()} {time.process_time()} {message_id}\n")
        sys.stdout.flush()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        handler = Acceptances(report)
        server = await loop.create_server(lambda: SMTP(handler), "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        sys.stdout.write(f"ready {port} {time.process_time()}\n")
        sys.stdout.flush()
        await loop.run_in_executor(None, sys.stdin.read)
        server.close()

    asyncio.run(main())


class SmtpSink:
    """What the server accepted: when each document's message arrived, and the server's CPU."""

    def __init__(self) -> None:
        self.port = 0
        self.count = 0
        self.at: dict[str, float] = {}
        self.cpu_start = self.cpu_last = 0.0
        self.separate_process = True
        self._arrived = asyncio.Event()
        self._process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._controller: Any = None

    async def start(self, separate_process: bool) -> None:
        self.separate_process = separate_process
        if not separate_process:
            from aiosmtpd.controller import Controller

            loop = asyncio.get_running_loop()

            def report(message_id: str) -> None:
                at = time.monotonic()
                loop.call_soon_threadsafe(self._accepted, at, 0.0, message_id)

            self.port = free_port()
            self._controller = Controller(Acceptances(report), hostname="127.0.0.1", port=self.port)
            self._controller.start()
            return
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.bench_documents_mail",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            cwd=REPOSITORY,
        )
        assert self._process.stdout is not None
        ready = (await asyncio.wait_for(self._process.stdout.readline(), 30)).split()
        self.port, self.cpu_start = int(ready[1]), float(ready[2])
        self.cpu_last = self.cpu_start
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        async for line in self._process.stdout:
            at, cpu, message_id = line.decode().split(" ", 2)
            self._accepted(float(at), float(cpu), message_id.strip())

    def _accepted(self, at: float, cpu: float, message_id: str) -> None:
        self.count += 1
        self.cpu_last = max(self.cpu_last, cpu)
        found = _DOCUMENT_ID.search(message_id)
        self.at[found.group(0) if found else message_id] = at
        self._arrived.set()

    async def _until(self, condition: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not condition():
                self._arrived.clear()
                await self._arrived.wait()

    async def accepted_at(self, document_id: uuid.UUID, timeout: float) -> float:
        """When the server accepted the document's message (waits for it)."""
        key = str(document_id)
        await self._until(lambda: key in self.at, timeout)
        return self.at[key]

    async def until(self, count: int, timeout: float) -> None:
        await self._until(lambda: self.count >= count, timeout)

    @property
    def cpu(self) -> float:
        """The server process's CPU seconds so far (0 on a thread: counted in ours)."""
        return self.cpu_last - self.cpu_start

    async def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                await asyncio.wait_for(self._process.wait(), 10)
            except TimeoutError:
                self._process.kill()
                await self._process.wait()
        if self._reader is not None:
            await self._reader


async def measure(ctx: Context, count: int, latency_count: int, separate_process: bool) -> dict[str, Any]:
    """The throughput and latency figures, with the CPU they took and how long seeding took."""
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

    sink = SmtpSink()
    await sink.start(separate_process)
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
        settings = MailSettings(smtp_host="127.0.0.1", smtp_port=sink.port, smtp_tls="none")
        worker = MailWorker(
            SqlMailQueue(engine), SmtpPool(settings), uow, clock, parallel=settings.smtp_connections
        )
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

        seeding = time.perf_counter()
        await asyncio.gather(*(transmitted(count // SETUP_TASKS) for _ in range(SETUP_TASKS)))
        seeding = time.perf_counter() - seeding
        count = (count // SETUP_TASKS) * SETUP_TASKS
        server_cpu = sink.cpu
        began, cpu = time.perf_counter(), time.process_time()
        while await worker.drain():
            pass
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu
        load = os.getloadavg()[0]
        await sink.until(count, LATENCY_TIMEOUT_S)
        sent, server_cpu = sink.count, sink.cpu - server_cpu

        running = asyncio.create_task(worker.run())
        latencies: list[float] = []
        for _ in range(latency_count):
            document = await submitted()
            started = time.monotonic()
            await validate(document.submitted_hash)
            await bus.handle(c.TransmitDocument(metadata=metadata, document_id=document.id))
            accepted = await sink.accepted_at(document.id, LATENCY_TIMEOUT_S)
            latencies.append((accepted - started) * 1000)
        worker.stop()
        await running
        return {
            "rate": count / seconds,
            "count": count,
            "sent": sent,
            "cpu_ms": cpu * 1000 / count,
            "server_cpu_ms": server_cpu * 1000 / count,
            "load": load,
            "seeding_s": seeding,
            "connections": settings.smtp_connections,
            "latencies": latencies,
        }
    finally:
        if worker is not None:
            await worker.sender.close()
        await sink.stop()
        await engine.dispose()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run(ctx: Context) -> list[Result]:
    count = scaled(1000, minimum=100)
    latency_count = scaled(100, minimum=30)
    separate_process = os.environ.get("BENCH_MAIL_SERVER", "process") != "thread"
    m = await measure(ctx, count, latency_count, separate_process)
    where = "its own process" if separate_process else "a thread of the bench's process"
    server = f", server {m['server_cpu_ms']:.2f} ms" if separate_process else ""
    latencies = m["latencies"]
    return [
        Result(
            "documents: emails through the outbox to a local SMTP server (PostgreSQL)",
            m["rate"],
            unit="emails/s",
            target=THROUGHPUT_TARGET,
            count=m["count"],
            detail=(
                f"{m['sent']} accepted by aiosmtpd in {where} over {m['connections']} connections, "
                "DocumentSent recorded for each, "
                f"HTML + PDF attached; CPU per email: worker {m['cpu_ms']:.2f} ms{server}; "
                f"load average {m['load']:.1f}; seeding {m['seeding_s']:.0f} s (not timed)"
            ),
            group=GROUP,
            extra={k: round(m[k], 3) for k in ("cpu_ms", "server_cpu_ms", "load", "seeding_s")},
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


if __name__ == "__main__":
    serve()
