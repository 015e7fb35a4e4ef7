"""Durable timers (``sla_timers``): arming and cancelling from the consumer, claiming for the scheduler."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.sqlutil import insert_if_absent
from sla_clock.adapters.tables import sla_timers
from sla_clock.domain.clock import TimerSpec

ARMED, FIRED, CANCELLED = "armed", "fired", "cancelled"


@dataclass(frozen=True)
class DueTimer:
    id: int
    request_id: UUID
    key: str
    threshold: str
    fire_at: datetime
    due_at: datetime
    explanation: dict[str, Any]


async def sync_timers(
    connection: AsyncConnection, request_id: UUID, wanted: Sequence[TimerSpec], now: datetime
) -> datetime | None:
    """Make the armed timers of a request exactly ``wanted``; returns the earliest newly armed
    fire instant (to wake the scheduler), or None.

    An armed timer no longer wanted is cancelled. A wanted timer that already exists in any
    state is left alone: one that fired never fires again for the same due instant. A wanted
    timer still armed gets its explanation refreshed when it changed (e.g. the fields still
    missing for a collection relance), so the event it emits tells what is true when it fires."""
    rows = list(
        await connection.execute(
            select(
                sla_timers.c.id,
                sla_timers.c.key,
                sla_timers.c.threshold,
                sla_timers.c.due_at,
                sla_timers.c.explanation,
            ).where(sla_timers.c.request_id == request_id, sla_timers.c.state == ARMED)
        )
    )
    armed = {(r.key, r.threshold, r.due_at): r.id for r in rows}
    explained = {r.id: r.explanation for r in rows}
    identities = {spec.identity for spec in wanted}
    for spec in wanted:
        timer_id = armed.get(spec.identity)
        if timer_id is not None and explained[timer_id] != spec.explanation:
            await connection.execute(
                update(sla_timers)
                .where(sla_timers.c.id == timer_id, sla_timers.c.state == ARMED)
                .values(explanation=spec.explanation)
            )
    stale = [timer_id for identity, timer_id in armed.items() if identity not in identities]
    if stale:
        await connection.execute(
            update(sla_timers)
            .where(sla_timers.c.id.in_(stale), sla_timers.c.state == ARMED)
            .values(state=CANCELLED)
        )
    earliest: datetime | None = None
    for spec in wanted:
        if spec.identity in armed:
            continue
        inserted = await insert_if_absent(
            connection,
            sla_timers,
            {
                "request_id": request_id,
                "key": spec.key,
                "threshold": spec.threshold,
                "fire_at": spec.fire_at,
                "due_at": spec.due_at,
                "state": ARMED,
                "explanation": spec.explanation,
                "armed_at": now,
            },
        )
        if inserted and (earliest is None or spec.fire_at < earliest):
            earliest = spec.fire_at
    return earliest


async def cancel_all_armed(connection: AsyncConnection) -> None:
    """For a rebuild: forget armed timers; fired ones stay, so nothing is ever emitted twice."""
    await connection.execute(update(sla_timers).where(sla_timers.c.state == ARMED).values(state=CANCELLED))


async def armed_until(
    connection: AsyncConnection, until: datetime, limit: int
) -> list[tuple[datetime, int, datetime, UUID]]:
    """(fire_at, id, armed_at, request_id) of armed timers due by ``until``, earliest first
    (served by the partial index)."""
    rows = await connection.execute(
        select(sla_timers.c.fire_at, sla_timers.c.id, sla_timers.c.armed_at, sla_timers.c.request_id)
        .where(sla_timers.c.state == ARMED, sla_timers.c.fire_at <= until)
        .order_by(sla_timers.c.fire_at)
        .limit(limit)
    )
    return [(row[0], row[1], row[2], row[3]) for row in rows]


async def claim(connection: AsyncConnection, ids: Sequence[int], now: datetime) -> list[DueTimer]:
    """Lock the still-armed, due timers among ``ids``, in fire order.

    ``FOR UPDATE SKIP LOCKED`` (PostgreSQL): another instance firing the same timers holds
    their locks; we skip them instead of waiting, and the state check after its commit
    filters them out. SQLite has one writer (``BEGIN IMMEDIATE``), so no lock is needed."""
    query = (
        select(
            sla_timers.c.id,
            sla_timers.c.request_id,
            sla_timers.c.key,
            sla_timers.c.threshold,
            sla_timers.c.fire_at,
            sla_timers.c.due_at,
            sla_timers.c.explanation,
        )
        .where(sla_timers.c.id.in_(list(ids)), sla_timers.c.state == ARMED, sla_timers.c.fire_at <= now)
        .order_by(sla_timers.c.fire_at, sla_timers.c.id)
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [DueTimer(*row) for row in await connection.execute(query)]


async def mark_fired(connection: AsyncConnection, ids: Sequence[int], emitted_at: datetime) -> None:
    """Flipped in the transaction that appended their events (one statement per batch)."""
    if ids:
        await connection.execute(
            update(sla_timers)
            .where(sla_timers.c.id.in_(list(ids)), sla_timers.c.state == ARMED)
            .values(state=FIRED, emitted_at=emitted_at)
        )


async def timers_of(connection: AsyncConnection, request_id: UUID) -> list[dict[str, Any]]:
    rows = await connection.execute(
        select(sla_timers)
        .where(sla_timers.c.request_id == request_id)
        .order_by(sla_timers.c.fire_at, sla_timers.c.id)
    )
    return [dict(row._mapping) for row in rows]
