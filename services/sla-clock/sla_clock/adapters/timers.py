"""Durable timers (``sla_timers``): arming and cancelling from the consumer, claiming for the
scheduler (``SqlTimers`` in a transaction), and the scheduler's look ahead (``SqlTimerSchedule``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.persistence import insert_if_absent, reading
from sla_clock.adapters.tables import sla_timers
from sla_clock.domain.clock import TimerSpec
from sla_clock.domain.settlement import settled_by_facts
from sla_clock.domain.timers import ARMED, CANCELLED, FIRED, ArmedTimer, DueTimer

_timer = sla_timers.c


class SqlTimers:
    """``TimerStore`` in the transaction of ``connection``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def sync(self, request_id: UUID, wanted: Sequence[TimerSpec], now: datetime) -> datetime | None:
        """An armed timer no longer wanted is cancelled, unless the facts settled it: that one
        fires whatever came after. A wanted timer that already exists is left alone (one that
        fired never fires again for the same due instant), except a settled one that was
        cancelled: it is armed again. A wanted timer still armed gets its explanation refreshed
        when it changed (e.g. the fields still missing for a collection relance), so the event
        it emits tells what is true when it fires; a settled explanation is never replaced by
        an unsettled one."""
        rows = list(
            await self.connection.execute(
                select(_timer.id, _timer.key, _timer.threshold, _timer.due_at, _timer.explanation).where(
                    _timer.request_id == request_id, _timer.state == ARMED
                )
            )
        )
        armed = {(r.key, r.threshold, r.due_at): r.id for r in rows}
        explained = {r.id: r.explanation for r in rows}
        identities = {spec.identity for spec in wanted}
        for spec in wanted:
            timer_id = armed.get(spec.identity)
            if timer_id is not None and _refreshed(explained[timer_id], spec.explanation):
                await self._set(timer_id, explanation=spec.explanation)
        stale = [
            timer_id
            for identity, timer_id in armed.items()
            if identity not in identities and not settled_by_facts(explained[timer_id])
        ]
        if stale:
            await self._set(*stale, state=CANCELLED)
        earliest: datetime | None = None
        for spec in wanted:
            if spec.identity in armed:
                continue
            inserted = await insert_if_absent(
                self.connection,
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
            if not inserted and settled_by_facts(spec.explanation):
                inserted = await self._rearm_cancelled(request_id, spec, now)
            if inserted and (earliest is None or spec.fire_at < earliest):
                earliest = spec.fire_at
        return earliest

    async def _rearm_cancelled(self, request_id: UUID, spec: TimerSpec, now: datetime) -> bool:
        """Arm again a cancelled timer the facts settled (it never fired, so it fires once)."""
        result = await self.connection.execute(
            update(sla_timers)
            .where(
                _timer.request_id == request_id,
                _timer.key == spec.key,
                _timer.threshold == spec.threshold,
                _timer.due_at == spec.due_at,
                _timer.state == CANCELLED,
            )
            .values(state=ARMED, fire_at=spec.fire_at, explanation=spec.explanation, armed_at=now)
        )
        return bool(result.rowcount)

    async def cancel_all_armed(self) -> None:
        await self.connection.execute(update(sla_timers).where(_timer.state == ARMED).values(state=CANCELLED))

    async def claim(self, ids: Sequence[int], now: datetime) -> list[DueTimer]:
        """``FOR UPDATE SKIP LOCKED`` (PostgreSQL): another instance firing the same timers holds
        their locks; we skip them instead of waiting, and the state check after its commit
        filters them out. SQLite has one writer (``BEGIN IMMEDIATE``), so no lock is needed."""
        query = (
            select(
                _timer.id,
                _timer.request_id,
                _timer.key,
                _timer.threshold,
                _timer.fire_at,
                _timer.due_at,
                _timer.explanation,
            )
            .where(_timer.id.in_(list(ids)), _timer.state == ARMED, _timer.fire_at <= now)
            .order_by(_timer.fire_at, _timer.id)
        )
        if self.connection.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [DueTimer(*row) for row in await self.connection.execute(query)]

    async def mark_fired(self, ids: Sequence[int], emitted_at: datetime) -> None:
        """Flipped in the transaction that appended their events (one statement per batch)."""
        if ids:
            await self._set(*ids, state=FIRED, emitted_at=emitted_at)

    async def _set(self, *ids: int, **values: object) -> None:
        """Update timers still armed (a concurrent firing or cancelling wins)."""
        await self.connection.execute(
            update(sla_timers).where(_timer.id.in_(ids), _timer.state == ARMED).values(**values)
        )


def _refreshed(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    """Whether an armed timer's explanation is to be replaced by ``wanted``."""
    return stored != wanted and (settled_by_facts(wanted) or not settled_by_facts(stored))


class SqlTimerSchedule:
    """``TimerSchedule``: armed timers by fire time, served by the partial index on armed rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def armed_until(self, until: datetime, limit: int) -> list[ArmedTimer]:
        query = (
            select(_timer.fire_at, _timer.id, _timer.armed_at, _timer.request_id)
            .where(_timer.state == ARMED, _timer.fire_at <= until)
            .order_by(_timer.fire_at)
            .limit(limit)
        )
        async with reading(self.engine) as connection:
            return [ArmedTimer(*row) for row in await connection.execute(query)]
