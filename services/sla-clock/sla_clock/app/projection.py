"""Intake (and documents) events -> request facts -> the timers the request needs, in the
consumer's transaction: the inbox row, the facts and the armed timers commit together."""

from __future__ import annotations

import time
from uuid import UUID

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent
from events.catalogue import documents as doc
from events.catalogue import intake as ev
from events.consumer import Consumer
from events.envelope import Envelope
from sla_clock.adapters.requests import load_state, open_request_ids, save_state
from sla_clock.adapters.tables import sla_requests
from sla_clock.adapters.timers import cancel_all_armed, sync_timers
from sla_clock.app.context import SlaContext
from sla_clock.app.rules import load_rules
from sla_clock.domain.clock import desired_timers, due_instants
from sla_clock.domain.request_state import RequestState, evolve

CONSUMER_NAME = "sla-clock"
CONSUMED_EVENTS: tuple[type[DomainEvent], ...] = (
    ev.RequestReceived,
    ev.RequestAcknowledged,
    ev.RequestQualified,
    ev.PriorityChanged,
    ev.RequestAssigned,
    ev.RequestTransferred,
    ev.WorkStarted,
    ev.InteractionRecorded,
    ev.CommitmentMade,
    ev.CommitmentFulfilled,
    ev.AwaitingCustomer,
    ev.CustomerReplied,
    ev.RequestEscalated,
    ev.EscalationTaken,
    ev.RequestResolved,
    ev.RequestClosed,
    ev.RequestReopened,
    ev.SatisfactionRecorded,
    ev.RequestDetailsCompleted,
    doc.RelanceSent,
)


async def apply_state(ctx: SlaContext, connection: AsyncConnection, state: RequestState) -> None:
    """Save the facts and re-arm the request's timers under the current rules."""
    rules = ctx.rules.clock_rules()
    now = ctx.now()
    first_due, resolution_due = due_instants(state, rules)
    await save_state(
        connection,
        state,
        first_response_due=first_due,
        resolution_due=resolution_due,
        policy_version=rules.policy.version,
        calendar=rules.calendar_name,
        now=now,
    )
    earliest = await sync_timers(connection, state.request_id, desired_timers(state, rules), now)
    if earliest is not None:
        ctx.wake(earliest)


async def project(ctx: SlaContext, event: DomainEvent, connection: AsyncConnection) -> None:
    if not ctx.loaded:  # the consumer may start before on_ready has read the stored rules
        ctx.rules, ctx.loaded = await load_rules(ctx.store), True
    request_id: UUID = event.request_id  # type: ignore[attr-defined]
    state = await load_state(connection, request_id)
    new = evolve(state, event)
    if new is not None and new != state:
        await apply_state(ctx, connection, new)


def make_consumer(ctx: SlaContext, engine: AsyncEngine) -> Consumer:
    async def handle(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        ctx.last_event = time.monotonic()
        await project(ctx, event, connection)

    async def reset(connection: AsyncConnection) -> None:
        await connection.execute(delete(sla_requests))
        await cancel_all_armed(connection)

    return Consumer(CONSUMER_NAME, engine, {m.event_type: handle for m in CONSUMED_EVENTS}, reset=reset)


async def rearm_open_requests(ctx: SlaContext, engine: AsyncEngine, batch: int = 500) -> int:
    """Recompute every open request's timers under the current rules (after a policy change)."""
    done, after = 0, None
    while True:
        async with engine.begin() as connection:
            ids = await open_request_ids(connection, after, batch)
            for request_id in ids:
                state = await load_state(connection, request_id)
                if state is not None:
                    await apply_state(ctx, connection, state)
        if not ids:
            return done
        done += len(ids)
        after = ids[-1]
