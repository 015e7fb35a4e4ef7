"""The consumer entry point: intake and documents events -> the projection, retention's
data-subject requests -> their one-month deadline, retention's erasures and purges -> the SLA
clock's report (``erasure``: its read models keep no clear personal value, only ids, instants
and counts), exactly once per event (the platform consumer's inbox row commits with the facts
and timers)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent
from events.consumer import Consumer, Handler
from events.envelope import Envelope
from sla_clock.adapters.fact_history import clear_fact_history, record_facts
from sla_clock.app.ports import Records
from sla_clock.app.projection import CONSUMED_EVENTS, RequestTracker
from sla_clock.app.subject_requests import SubjectRequestTracker
from sla_clock.domain import subject_requests

CONSUMER_NAME = "sla-clock"


def make_consumer(
    tracker: RequestTracker,
    engine: AsyncEngine,
    records: Callable[[AsyncConnection], Records],
    subject_tracker: SubjectRequestTracker,
    erasure: dict[str, Handler] | None = None,
) -> Consumer:
    async def handle(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        facts = await tracker.project(event, records(connection))
        if facts is not None:
            recorded_at = envelope.recorded_at or envelope.time
            await record_facts(connection, facts, recorded_at, envelope.type)

    async def track_subject_request(
        envelope: Envelope, event: DomainEvent, connection: AsyncConnection
    ) -> None:
        await subject_tracker.project(event, records(connection))

    async def reset(connection: AsyncConnection) -> None:
        await tracker.forget_all(records(connection))
        await subject_tracker.forget_all(records(connection))
        await clear_fact_history(connection)

    handlers: dict[str, Handler] = {m.event_type: handle for m in CONSUMED_EVENTS}
    handlers |= {m.event_type: track_subject_request for m in subject_requests.CONSUMED_EVENTS}
    handlers |= erasure or {}
    return Consumer(CONSUMER_NAME, engine, handlers, reset=reset)
