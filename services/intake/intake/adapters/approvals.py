"""The approvals of a request, kept for its timeline (issue 12: intake's timeline shows them).

Intake consumes the approvals' events of the requests it knows and keeps each envelope as
approvals published it: the personal fields stay sealed under their subjects' keys (opened
at read time with the shared keys, erased once those are destroyed), and the row is written
in the consumer's transaction, with its inbox row: once per event."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent
from events.catalogue import approvals as ev
from events.consumer import Handler
from events.envelope import Envelope
from events.persistence import insert_if_absent, reading
from events.store import SqlEventStore
from intake.adapters.tables import request_approvals, requests

__all__ = ["APPROVAL_EVENTS", "approval_envelopes", "approval_handlers"]

APPROVAL_EVENTS = (
    ev.ApprovalRequested,
    ev.ApprovalStepDecided,
    ev.ResponseValidated,
    ev.ResponseRejected,
    ev.ChangesRequested,
    ev.ApprovalWithdrawn,
    ev.ApprovalExpired,
    ev.ApprovalEscalated,
)
"""What the timeline shows of a request's approvals (reminders and authorisations stay with
approvals)."""


async def keep_approval_event(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    """Keep the event when it belongs to a request intake knows; ignore it otherwise."""
    assert isinstance(event, APPROVAL_EVENTS)
    request_id = event.request_id
    known = await connection.scalar(select(exists().where(requests.c.request_id == request_id)))
    if not known:
        return
    stored = envelope.stored()
    await insert_if_absent(
        connection,
        request_approvals,
        {
            "event_id": stored.id,
            "request_id": request_id,
            "recorded_at": (stored.recorded_at or stored.time).astimezone(UTC),
            "position": stored.position,
            "envelope": stored.model_dump(mode="json"),
        },
    )


def approval_handlers() -> Mapping[str, Handler]:
    return {event.event_type: keep_approval_event for event in APPROVAL_EVENTS}


async def approval_envelopes(
    engine: AsyncEngine, store: SqlEventStore, request_id: UUID, as_of: datetime | None = None
) -> list[Envelope]:
    """The kept approvals' events of a request, oldest first (with ``as_of``: those recorded
    by then), their personal fields opened where the keys allow."""
    query = (
        select(request_approvals.c.envelope)
        .where(request_approvals.c.request_id == request_id)
        .order_by(request_approvals.c.recorded_at, request_approvals.c.position, request_approvals.c.event_id)
    )
    if as_of is not None:
        query = query.where(request_approvals.c.recorded_at <= as_of.astimezone(UTC))
    async with reading(engine) as connection:
        stored: list[Any] = list(await connection.scalars(query))
    return await store.protector.reveal([Envelope.model_validate(e) for e in stored])
