"""The scheduler: fires durable timers in fire order, each exactly once.

The database is the truth (armed rows, partial index on ``fire_at``); memory only holds a heap
of the timers due within the next ``horizon``, refilled every ``refill_interval`` and when the
consumer arms a timer inside the horizon. Firing a batch is ONE transaction: lock the still
armed timers (``FOR UPDATE SKIP LOCKED``), append their events to the request streams through
the event store, flip them to ``fired``. A crash before the commit leaves them armed (fired
after restart); after it, they are fired and never armed again for the same due instant.
At start-up it first waits (bounded) for the consumer to handle the backlog left while the
service was down, then the first refill returns the overdue timers first: they are caught up
in order.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from uuid import UUID

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import DomainEvent
from events.consumer import TRANSIENT_ERRORS
from events.db import is_postgres, reading
from events.store import ConcurrencyError
from events.tables import events as events_table
from sla_clock.adapters.timers import armed_until, claim, mark_fired
from sla_clock.app.context import SlaContext
from sla_clock.app.rules import load_rules, request_stream
from sla_clock.domain.emission import event_for

log = structlog.get_logger(__name__)


async def stream_versions(connection: AsyncConnection, streams: set[UUID]) -> dict[UUID, int]:
    rows = await connection.execute(
        select(events_table.c.stream_id, func.max(events_table.c.version))
        .where(events_table.c.stream_id.in_(list(streams)))
        .group_by(events_table.c.stream_id)
    )
    return {row[0]: row[1] for row in rows}


class Scheduler:
    def __init__(
        self,
        ctx: SlaContext,
        *,
        horizon: float = 60.0,
        refill_interval: float = 1.0,
        batch: int = 1000,
        capacity: int = 200_000,
        catch_up_grace: float = 0.5,
        lanes: int = 2,
        on_commit: Callable[[], None] = lambda: None,
        input_caught_up: Callable[[], Awaitable[None]] | None = None,
        input_wait_limit: float = 60.0,
    ) -> None:
        self.ctx = ctx
        self.engine = ctx.store.engine
        self.horizon = timedelta(seconds=horizon)
        self.refill_interval = refill_interval
        self.batch = batch
        self.capacity = capacity
        self.grace = timedelta(seconds=catch_up_grace)
        self.on_commit = on_commit
        self.input_caught_up = input_caught_up
        self.input_wait_limit = input_wait_limit
        self.fired = 0
        self.paused = False
        self._stopping = asyncio.Event()
        self.caught_up = asyncio.Event()
        self.started = time.monotonic()
        self.recovery_seconds: float | None = None
        self._heap: list[tuple[datetime, int, int]] = []  # (fire instant, timer id, lane)
        self.lanes = lanes if is_postgres(self.engine) else 1  # SQLite: one writer anyway
        self.lateness: list[float] = []  # seconds from fire_at to the commit, when recorded
        self.record_lateness = False
        self._known: set[int] = set()
        self._loaded_until: datetime | None = None
        self._truncated = False
        self._poke = asyncio.Event()
        self._next_refill = 0.0
        self._next_rules = 0.0

    # --- the consumer's hook ---------------------------------------------------------
    def wake(self, at: datetime) -> None:
        """A timer was armed for ``at``: refill soon if it falls inside the horizon (after the
        consumer's commit, which this call precedes; the periodic refill is the guarantee)."""
        if at <= self.ctx.now() + self.horizon:
            asyncio.get_running_loop().call_later(0.02, self._poke.set)

    # --- steps (tests drive these directly) ----------------------------------------------
    async def refill(self) -> int:
        until = self.ctx.now() + self.horizon
        async with reading(self.engine) as connection:
            rows = await armed_until(connection, until, self.capacity)
        added = 0
        for fire_at, timer_id, armed_at, request_id in rows:
            if timer_id not in self._known:
                self._known.add(timer_id)
                # Armed already overdue (a backdated request, a backlog): wait a moment, so the
                # request's next events (its answer, its pause) are consumed before we fire.
                effective = max(fire_at, armed_at + self.grace)
                heapq.heappush(self._heap, (effective, timer_id, request_id.int % self.lanes))
                added += 1
        self._truncated = len(rows) >= self.capacity
        self._loaded_until = rows[-1][0] if self._truncated else until
        self._next_refill = time.monotonic() + self.refill_interval
        return added

    async def fire_due(self) -> int:
        """Fire what is due now, up to one batch per lane; returns how many events were emitted.

        Lanes partition timers by request, so concurrent transactions never append to the same
        stream; running them together overlaps one's Python work with another's database work."""
        now = self.ctx.now()
        lanes: list[list[int]] = [[] for _ in range(self.lanes)]
        taken = 0
        while self._heap and self._heap[0][0] <= now and taken < self.batch * self.lanes:
            _, timer_id, lane = heapq.heappop(self._heap)
            self._known.discard(timer_id)
            lanes[lane].append(timer_id)
            taken += 1
        if not taken:
            return 0
        return sum(await asyncio.gather(*(self.fire(ids) for ids in lanes if ids)))

    async def fire(self, ids: Sequence[int]) -> int:
        async with self.ctx.store.transaction() as tx:
            due = await claim(tx.connection, ids, self.ctx.now())
            if not due:
                return 0
            emitted_at = self.ctx.now()
            streams: dict[UUID, list[DomainEvent]] = {}
            for timer in due:
                streams.setdefault(request_stream(timer.request_id), []).append(
                    event_for(
                        timer.request_id,
                        timer.key,
                        timer.threshold,
                        timer.fire_at,
                        timer.due_at,
                        timer.explanation,
                        emitted_at,
                    )
                )
            versions = await stream_versions(tx.connection, set(streams))
            # One round trip for the versions, one insert: a burst of thousands of warnings due
            # in the same second is emitted within it.
            await tx.append_streams(
                [(stream, "sla", versions.get(stream, 0), events) for stream, events in streams.items()]
            )
            fired = [timer.id for timer in due]
            await mark_fired(tx.connection, fired, emitted_at)
        if self.record_lateness:
            committed = self.ctx.now()
            self.lateness += [(committed - timer.fire_at).total_seconds() for timer in due]
        self.fired += len(fired)
        self.on_commit()
        return len(fired)

    async def refresh_rules(self) -> None:
        book = await load_rules(self.ctx.store)
        if (
            book.policy_stream_version != self.ctx.rules.policy_stream_version
            or book.calendar_stream_version != self.ctx.rules.calendar_stream_version
        ):
            self.ctx.rules = book
        self._next_rules = time.monotonic() + 5.0

    def stop(self) -> None:
        """:meth:`run` returns after the step in progress (nothing is cut mid-transaction)."""
        self._stopping.set()
        self._poke.set()

    def forget(self) -> None:
        """Drop the in-memory heap; the next step reloads it from the database."""
        self._heap.clear()
        self._known.clear()
        self._next_refill = 0.0

    async def _wait_for_input(self) -> None:
        """Fire nothing before the consumer has handled the backlog left while we were down:
        an overdue timer may be answered by an event still in it (a breach would be false).
        Bounded: after ``input_wait_limit`` seconds the timers fire anyway, with a warning."""
        if self.input_caught_up is None:
            return
        caught_up = asyncio.ensure_future(self.input_caught_up())
        stopping = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait(
                (caught_up, stopping), timeout=self.input_wait_limit, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            arrived = caught_up.done()
            for waiter in (caught_up, stopping):
                waiter.cancel()
        if not arrived and not self._stopping.is_set():
            log.warning("sla.consumer_backlog_not_caught_up", waited=self.input_wait_limit)

    # --- the loop --------------------------------------------------------------------
    def _next_wait(self) -> float:
        wait = self._next_refill - time.monotonic()
        if self._heap:
            wait = min(wait, (self._heap[0][0] - self.ctx.now()).total_seconds())
        return max(wait, 0.0)

    def _drained_a_truncated_load(self) -> bool:
        top = self._heap[0][0] if self._heap else None
        return self._truncated and (top is None or top > (self._loaded_until or top))

    async def step(self) -> None:
        if time.monotonic() >= self._next_refill or self._drained_a_truncated_load():
            await self.refill()
        if time.monotonic() >= self._next_rules:
            await self.refresh_rules()
        if await self.fire_due() or (self._heap and self._heap[0][0] <= self.ctx.now()):
            return
        if not self.caught_up.is_set() and not self._truncated:
            self.recovery_seconds = time.monotonic() - self.started
            self.caught_up.set()
            log.info(
                "sla.scheduler_caught_up",
                seconds=round(self.recovery_seconds, 3),
                fired=self.fired,
                loaded=len(self._heap),
            )
        self._poke.clear()
        if self._stopping.is_set():
            return
        try:
            await asyncio.wait_for(self._poke.wait(), self._next_wait())
            self._next_refill = 0.0  # poked: a timer was armed within the horizon
        except TimeoutError:
            pass

    async def run(self) -> None:
        self.started = time.monotonic()
        await self._wait_for_input()
        while not self._stopping.is_set():
            if self.paused:
                await asyncio.sleep(0.1)
                continue
            try:
                await self.step()
            except (ConcurrencyError, *TRANSIENT_ERRORS) as error:
                # Another instance appended to one of these streams, or the database blinked:
                # the timers are still armed; the next refill brings them back.
                log.warning("sla.scheduler_retry", error=repr(error))
                self.forget()
                await asyncio.sleep(0.2)
