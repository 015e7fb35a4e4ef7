"""The transparency log in every service: the kit starts it when a signing key is configured.

One process per database folds and signs (on PostgreSQL the holder of an advisory lock of
its own, as the relay elects its leader; on SQLite the only process). It also re-checks the
stored log against the signed checkpoints every ``audit_verify_seconds``: what was signed
since the last pass, and the whole log every few passes
(:meth:`events.audit.service.ServiceAudit.verify_pass`), and keeps ``/readyz`` ``audit`` at
``integrity alarm`` while they disagree. A service that consumes other contexts
witnesses their checkpoints (:class:`events.audit.service.Witness`) and keeps the cosignatures
other services send of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING
from uuid import UUID

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from events.audit.service import TAMPERED, Integrity, ServiceAudit, Witness
from events.audit.transparency import StoredLogMismatch
from events.catalogue import DomainEvent
from events.catalogue.audit import CheckpointSigned, CheckpointWitnessed
from events.consumer import Consumer, Handler
from events.db import is_postgres
from events.envelope import Envelope
from events.runners import InProcessConsumerRunner, KafkaConsumerRunner, pause
from events.topics import topic_for

if TYPE_CHECKING:
    from events.service.runtime import ServiceRuntime

log = structlog.get_logger(__name__)
AUDIT_STATE = "audit"
AUDIT_TOPIC = topic_for(CheckpointSigned.event_type.split(".", 1)[0])


def origin_of(service: str) -> str:
    return f"guichet/{service}"


def audit_of(runtime: ServiceRuntime) -> ServiceAudit | None:
    audit: ServiceAudit | None = runtime.state.get(AUDIT_STATE)
    return audit


async def integrity_of(runtime: ServiceRuntime, envelopes: Sequence[Envelope]) -> dict[UUID, Integrity]:
    """Each event's integrity status (:meth:`ServiceAudit.integrity`); empty without a log."""
    audit = audit_of(runtime)
    if audit is None:
        return {}
    try:
        return await audit.integrity(envelopes)
    except StoredLogMismatch:
        return {envelope.id: TAMPERED for envelope in envelopes}


def install_audit(runtime: ServiceRuntime) -> None:
    """Create the service's log when a key is configured, and its ``/readyz`` component."""
    signer = runtime.settings.audit_signer
    if signer is None:
        return
    audit = ServiceAudit(
        runtime.store,
        origin=origin_of(runtime.definition.name),
        signer=signer,
        every_events=runtime.settings.audit_every_events,
        every_seconds=runtime.settings.audit_every_seconds,
        full_every=runtime.settings.audit_verify_full_every,
        window=runtime.settings.audit_verify_window,
    )
    runtime.state[AUDIT_STATE] = audit
    runtime.state.setdefault("readiness", {})[AUDIT_STATE] = lambda: audit.readiness


def audit_topics(runtime: ServiceRuntime) -> list[str]:
    """``guichet.audit``, where every service's relay publishes its audit events, for a
    consuming service with a log: on Kafka one topic, on the in-process bus one lane per
    publishing service (:meth:`events.bus.InProcessBus.lanes`)."""
    if audit_of(runtime) is None or runtime.consumer is None:
        return []
    return [AUDIT_TOPIC]


def witness_handlers(runtime: ServiceRuntime, audit: ServiceAudit) -> dict[str, Handler]:
    """Cosign the others' checkpoints (signed by the keys configured in
    ``audit_peer_keys``, else trusted on first sight), keep their cosignatures of ours."""
    trusted = runtime.settings.audit_peer_verifiers
    witness = Witness(audit.store, audit.signer, name=audit.signer.name, trusted=trusted)

    async def checkpoint_signed(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        assert isinstance(event, CheckpointSigned)
        await witness.witness(event, connection)

    async def checkpoint_witnessed(
        envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        assert isinstance(event, CheckpointWitnessed)
        await audit.keep_cosignature(event, connection)

    return {
        CheckpointSigned.event_type: checkpoint_signed,
        CheckpointWitnessed.event_type: checkpoint_witnessed,
    }


def add_witness_handlers(runtime: ServiceRuntime) -> None:
    """On a consuming service with a log: its consumer also witnesses (:func:`witness_handlers`)."""
    audit, consumer = audit_of(runtime), runtime.consumer
    if audit is None or consumer is None:
        return
    for event_type, handler in witness_handlers(runtime, audit).items():
        consumer.handlers.setdefault(event_type, handler)


async def run_witness(runtime: ServiceRuntime, audit: ServiceAudit, stopping: asyncio.Event) -> None:
    """A service with a log and no consumer of its own (intake) consumes ``guichet.audit``
    with a consumer of its own, ``<service>-audit``: it witnesses the other logs and keeps
    their cosignatures of its checkpoints."""
    bootstrap, bus = runtime.settings.kafka_bootstrap, runtime.bus
    if not bootstrap and bus is None:
        return
    consumer = Consumer(f"{runtime.definition.name}-audit", runtime.engine, witness_handlers(runtime, audit))
    runner: KafkaConsumerRunner | InProcessConsumerRunner
    if bootstrap:
        runner = KafkaConsumerRunner(consumer, bootstrap=bootstrap, topics=[AUDIT_TOPIC])
    else:
        assert bus is not None
        runner = InProcessConsumerRunner(consumer, bus=bus, topics=[AUDIT_TOPIC])
    while not stopping.is_set():
        try:
            await runner.start()
            break
        except Exception as error:  # noqa: BLE001 - e.g. no broker yet: tried again
            log.warning("audit.witness_start_failed", origin=audit.origin, error=type(error).__name__)
            await pause(stopping, runtime.settings.audit_poll_interval)
    if stopping.is_set():
        return
    running = asyncio.create_task(runner.run(), name="audit-witness")
    try:
        await stopping.wait()
    finally:
        await runner.stop()
        await asyncio.wait({running}, timeout=5)
        running.cancel()


async def run_audit(runtime: ServiceRuntime, stopping: asyncio.Event) -> None:
    """The leader's loop: step the log every ``audit_poll_interval``, verify it every
    ``audit_verify_seconds``; a failed pass is logged and tried again at the next one."""
    audit = audit_of(runtime)
    if audit is None:
        return
    witnessing = None
    if runtime.definition.consumer_factory is None:
        witnessing = asyncio.create_task(run_witness(runtime, audit, stopping), name="audit-witness")
    while not stopping.is_set():
        try:
            await _lead(runtime, audit, stopping)
        except Exception as error:  # noqa: BLE001 - e.g. the database unreachable: tried again
            log.warning("audit.lead_failed", origin=audit.origin, error=type(error).__name__)
        audit.leading = False
        await pause(stopping, runtime.settings.audit_poll_interval)
    if witnessing is not None:
        await witnessing


async def _lead(runtime: ServiceRuntime, audit: ServiceAudit, stopping: asyncio.Event) -> None:
    """Fold, sign and verify while this process holds the lead; return when it is lost."""
    settings = runtime.settings
    async with _leadership(runtime, stopping) as lock:
        if stopping.is_set():
            return
        await audit.reload()  # another process may have folded since this one last led
        audit.leading = True
        next_verify = time.monotonic()
        while not stopping.is_set():
            if lock is not None:
                try:
                    await lock.execute(text("SELECT 1"))  # raises once the lock's session is gone
                    await lock.commit()
                except Exception as error:  # noqa: BLE001 - another process may lead now
                    log.warning("audit.leadership_lost", origin=audit.origin, error=type(error).__name__)
                    return
            verify_due = time.monotonic() >= next_verify
            for job in (audit.step, audit.verify_pass) if verify_due else (audit.step,):
                try:
                    await job()
                except Exception as error:  # noqa: BLE001 - logged, tried again at the next pass
                    log.warning(
                        "audit.job_failed", origin=audit.origin, error=f"{type(error).__name__}: {error}"
                    )
            if verify_due:
                next_verify = time.monotonic() + settings.audit_verify_seconds
            await pause(stopping, settings.audit_poll_interval)


@contextlib.asynccontextmanager
async def _leadership(
    runtime: ServiceRuntime, stopping: asyncio.Event
) -> AsyncIterator[AsyncConnection | None]:
    engine = runtime.store.engine
    if not is_postgres(engine):
        yield None
        return
    key = zlib.crc32(f"guichet-audit:{runtime.definition.name}".encode())
    async with engine.connect() as connection:
        while True:
            locked = (
                await connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
            ).scalar()
            await connection.commit()
            if locked:
                break
            if stopping.is_set():
                yield connection
                return
            await pause(stopping, 1.0)
        try:
            yield connection
        finally:
            with contextlib.suppress(Exception):
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                await connection.commit()
