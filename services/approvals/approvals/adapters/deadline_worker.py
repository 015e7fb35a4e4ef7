"""The deadline worker: a periodic sweep over ``approval_deadlines`` that records the
reminders and escalations due (``approvals.domain.deadlines``) on the approvals' streams.

Each sweep is one transaction: it schedules the rows without due times, claims the rows due
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several instances share the work without firing
twice; SQLite has a single writer), records the events on each approval and moves its row on.
A step already decided since the row was read is skipped: the approval is the authority.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.authorisation_tables import approval_deadlines, substitutions
from approvals.adapters.calendars import CalendarInForce
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.domain.deadlines import DeadlineRules, OpenStep, open_step, step_events
from events.application.ports import Clock
from events.catalogue.approvals import ApprovalEscalated
from events.envelope import Metadata

log = structlog.get_logger(__name__)
WORKER = Metadata(actor="approvals:deadlines")
_t = approval_deadlines.c
_UPDATE = update(approval_deadlines).where(_t.approval_id == bindparam("target_id"))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _locked(query: Select[Any], connection: AsyncConnection) -> Select[Any]:
    if connection.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


def _open_step(row: Any) -> OpenStep:
    return OpenStep(
        row.approval_id,
        row.request_id,
        row.step,
        row.level,
        tuple(row.approvers),
        _aware(row.due_at),
        _aware(row.remind_at),
        row.reminded,
        row.escalations,
    )


async def _standing_in_for(
    connection: AsyncConnection, approvers: tuple[str, ...], at: datetime
) -> tuple[str, ...]:
    """The substitutes running at ``at`` for any of ``approvers``."""
    if not approvers:
        return ()
    query = (
        select(substitutions.c.substitute)
        .where(
            substitutions.c.absent.in_(approvers),
            substitutions.c.valid_from <= at,
            substitutions.c.valid_until > at,
        )
        .distinct()
    )
    return tuple(sorted(await connection.scalars(query)))


class DeadlineSweeper:
    def __init__(
        self, uow: Callable[[], SqlUnitOfWork], rules: DeadlineRules, clock: Clock, batch: int = 200
    ) -> None:
        self.uow, self.rules, self.clock, self.batch = uow, rules, clock, batch
        self.calendars = CalendarInForce()
        self._stopping = asyncio.Event()

    async def sweep(self) -> int:
        """One pass; the number of events recorded."""
        now = self.clock.now()
        recorded = 0
        async with self.uow() as uow:
            connection = uow.tx.connection
            calendar = await self.calendars.read(connection)
            rules = replace(self.rules, calendar=calendar) if calendar is not None else self.rules
            await self._schedule(connection, rules)
            due = or_(_t.due_at <= now, (_t.remind_at <= now) & _t.reminded.is_(False))
            query = select(approval_deadlines).where(due).order_by(_t.due_at).limit(self.batch)
            for row in (await connection.execute(_locked(query, connection))).all():
                recorded += await self._fire(uow, connection, _open_step(row), rules, now)
            await uow.commit(WORKER)
        return recorded

    async def _schedule(self, connection: AsyncConnection, rules: DeadlineRules) -> None:
        """Due and reminder times for the steps that opened since the last sweep."""
        query = select(approval_deadlines).where(_t.remind_at.is_(None)).limit(self.batch)
        for row in (await connection.execute(_locked(query, connection))).all():
            circuit_due = _aware(row.due_at) if row.due_at is not None else None
            step = open_step(
                row.approval_id,
                row.request_id,
                row.step,
                row.level,
                tuple(row.approvers),
                _aware(row.opened_at),
                rules,
                due_at=circuit_due,
            )
            await connection.execute(
                _UPDATE, {"target_id": row.approval_id, "due_at": step.due_at, "remind_at": step.remind_at}
            )

    async def _fire(
        self,
        uow: SqlUnitOfWork,
        connection: AsyncConnection,
        step: OpenStep,
        rules: DeadlineRules,
        now: datetime,
    ) -> int:
        approval = await uow.approvals.get(step.approval_id)
        pending = approval.pending_step
        if pending is None or (pending.step, pending.level) != (step.step, step.level):
            return 0
        events, after = step_events(step, rules, now, await _standing_in_for(connection, step.approvers, now))
        for event in events:
            if isinstance(event, ApprovalEscalated):
                approval.escalate(
                    event.to_level,
                    event.reason,
                    now,
                    to_approvers=event.to_approvers,
                    next_due_at=event.next_due_at,
                )
            else:
                approval.record(event)
        await connection.execute(
            _UPDATE,
            {
                "target_id": step.approval_id,
                "level": after.level,
                "approvers": list(after.approvers),
                "due_at": after.due_at,
                "remind_at": after.remind_at,
                "reminded": after.reminded,
                "escalations": after.escalations,
            },
        )
        return len(events)

    async def run(self, interval: float = 5.0) -> None:
        """Sweep every ``interval`` seconds until :meth:`stop`. A failed sweep (the database
        unreachable, a write race lost) is logged and retried at the next one: nothing of it
        was recorded."""
        while not self._stopping.is_set():
            try:
                recorded = await self.sweep()
            except Exception as error:  # noqa: BLE001 - retried at the next sweep
                log.warning("approvals.deadline_sweep_failed", error=f"{type(error).__name__}: {error}")
            else:
                if recorded:
                    log.info("approvals.deadlines_swept", events=recorded)
            try:
                await asyncio.wait_for(self._stopping.wait(), interval)
            except TimeoutError:
                pass

    def stop(self) -> None:
        self._stopping.set()
