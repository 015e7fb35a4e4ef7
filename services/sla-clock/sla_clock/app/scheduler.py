"""The scheduler: fires durable timers in fire order, each exactly once. A use case over ports
(timer schedule, firing, rules, clock); the service runs it as a background worker.

The database is the truth (armed rows, partial index on ``fire_at``); memory only holds a heap
of the timers due within the next ``horizon``, refilled every ``refill_interval`` and when the
consumer arms a timer inside the horizon. Each batch is fired by ``app.firing.fire_timers`` in
one transaction. At start-up it first waits (bounded) for the consumer to handle the backlog
left while the service was down, then the first refill returns the overdue timers first: they
are caught up in order.
"""

from __future__ import annotations

import asyncio
import heapq
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog

from events.application.ports import Clock
from events.consumer import TRANSIENT_ERRORS
from events.store import ConcurrencyError
from sla_clock.app.ports import TimerSchedule
from sla_clock.app.rules import CurrentRules
from sla_clock.domain.timers import DueTimer

log = structlog.get_logger(__name__)
RULES_REFRESH_SECONDS = 5.0
RETRIED: tuple[type[BaseException], ...] = (ConcurrencyError, *TRANSIENT_ERRORS)

Fire = Callable[[Sequence[int]], Awaitable[list[DueTimer]]]


@dataclass(frozen=True)
class SchedulerState:
    fired: int
    loaded: int
    paused: bool
    caught_up: bool
    recovery_seconds: float | None


@dataclass(frozen=True)
class SchedulerTuning:
    horizon: float = 60.0
    refill_interval: float = 1.0
    batch: int = 1000
    capacity: int = 200_000
    catch_up_grace: float = 0.5
    lanes: int = 2
    input_wait_limit: float = 60.0


class Scheduler:
    def __init__(
        self,
        schedule: TimerSchedule,
        fire: Fire,
        rules: CurrentRules,
        clock: Clock,
        tuning: SchedulerTuning = SchedulerTuning(),
        input_caught_up: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.schedule = schedule
        self._fire = fire
        self.rules = rules
        self.clock = clock
        self.horizon = timedelta(seconds=tuning.horizon)
        self.refill_interval = tuning.refill_interval
        self.batch = tuning.batch
        self.capacity = tuning.capacity
        self.grace = timedelta(seconds=tuning.catch_up_grace)
        self.lanes = tuning.lanes
        self.input_caught_up = input_caught_up
        self.input_wait_limit = tuning.input_wait_limit
        self.fired = 0
        self.paused = False
        self.caught_up = asyncio.Event()
        self.started = time.monotonic()
        self.recovery_seconds: float | None = None
        self.lateness: list[float] = []  # seconds from fire_at to the commit, when recorded
        self.record_lateness = False
        self._stopping = asyncio.Event()
        self._heap: list[tuple[datetime, int, int]] = []  # (fire instant, timer id, lane)
        self._known: set[int] = set()
        self._loaded_until: datetime | None = None
        self._truncated = False
        self._poke = asyncio.Event()
        self._next_refill = 0.0
        self._next_rules = 0.0
        self._refilled_at: datetime | None = None
        self._settled_at: datetime | None = None
        self._settled = asyncio.Event()

    def state(self) -> SchedulerState:
        """What operations see of the scheduler."""
        return SchedulerState(
            fired=self.fired,
            loaded=len(self._heap),
            paused=self.paused,
            caught_up=self.caught_up.is_set(),
            recovery_seconds=self.recovery_seconds,
        )

    async def passed(self, instant: datetime) -> None:
        """Return once every timer armed before ``instant`` and due by it (catch-up grace
        included) has fired or was cancelled: a refill began at or after ``instant`` and nothing
        it loaded was left due. Tests wait on this instead of sleeping."""
        while self._settled_at is None or self._settled_at < instant:
            self._settled.clear()
            await self._settled.wait()

    # --- the consumer's hook ---------------------------------------------------------
    def wake(self, at: datetime) -> None:
        """A timer was armed for ``at``: refill soon if it falls inside the horizon (after the
        consumer's commit, which this call precedes; the periodic refill is the guarantee)."""
        if at <= self.clock.now() + self.horizon:
            asyncio.get_running_loop().call_later(0.02, self._poke.set)

    # --- steps (tests drive these directly) ----------------------------------------------
    async def refill(self) -> int:
        self._refilled_at = now = self.clock.now()
        rows = await self.schedule.armed_until(now + self.horizon, self.capacity)
        added = 0
        for timer in rows:
            if timer.id not in self._known:
                self._known.add(timer.id)
                # Armed already overdue (a backdated request, a backlog): wait a moment, so the
                # request's next events (its answer, its pause) are consumed before we fire.
                effective = max(timer.fire_at, timer.armed_at + self.grace)
                heapq.heappush(self._heap, (effective, timer.id, timer.request_id.int % self.lanes))
                added += 1
        self._truncated = len(rows) >= self.capacity
        self._loaded_until = rows[-1].fire_at if self._truncated else now + self.horizon
        self._next_refill = time.monotonic() + self.refill_interval
        return added

    async def fire_due(self) -> int:
        """Fire what is due now, up to one batch per lane; returns how many events were emitted.

        Lanes partition timers by request, so concurrent transactions never append to the same
        stream; running them together overlaps one's Python work with another's database work."""
        now = self.clock.now()
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
        due = await self._fire(ids)
        if self.record_lateness and due:
            committed = self.clock.now()
            self.lateness += [(committed - timer.fire_at).total_seconds() for timer in due]
        self.fired += len(due)
        return len(due)

    async def refresh_rules(self) -> None:
        await self.rules.refresh()
        self._next_rules = time.monotonic() + RULES_REFRESH_SECONDS

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False

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
            wait = min(wait, (self._heap[0][0] - self.clock.now()).total_seconds())
        return max(wait, 0.0)

    def _drained_a_truncated_load(self) -> bool:
        top = self._heap[0][0] if self._heap else None
        return self._truncated and (top is None or top > (self._loaded_until or top))

    def _settle(self) -> None:
        """Nothing loaded is due: everything armed before the last refill and due by then fired."""
        if self._refilled_at is not None and not self._truncated:
            self._settled_at = self._refilled_at
            self._settled.set()

    async def step(self) -> None:
        if time.monotonic() >= self._next_refill or self._drained_a_truncated_load():
            await self.refill()
        if time.monotonic() >= self._next_rules:
            await self.refresh_rules()
        if await self.fire_due() or (self._heap and self._heap[0][0] <= self.clock.now()):
            return
        self._settle()
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
            except RETRIED as error:
                # Another instance appended to one of these streams, or the database blinked:
                # the timers are still armed; the next refill brings them back.
                log.warning("sla.scheduler_retry", error=repr(error))
                self.forget()
                await asyncio.sleep(0.2)
