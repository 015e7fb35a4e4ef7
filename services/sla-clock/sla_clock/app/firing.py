"""Firing due timers: claim them, append their events, flip them to fired, in ONE transaction.

A crash before the commit leaves them armed (fired after restart); after it, they are fired and
never armed again for the same due instant: each warning, breach and alert is emitted once."""

from __future__ import annotations

from collections.abc import Sequence

from events.application.ports import Clock
from events.envelope import EMPTY_METADATA
from sla_clock.app.ports import UnitOfWork
from sla_clock.domain.timers import DueTimer, emissions


async def fire_timers(uow: UnitOfWork, ids: Sequence[int], clock: Clock) -> list[DueTimer]:
    """The timers among ``ids`` that this call fired (others were fired or cancelled already)."""
    async with uow:
        due = await uow.timers.claim(ids, clock.now())
        if not due:
            return []
        emitted_at = clock.now()
        await uow.streams.append(emissions(due, emitted_at))
        await uow.timers.mark_fired([timer.id for timer in due], emitted_at)
        await uow.commit(EMPTY_METADATA)
    return due
