"""Intake (and documents) events -> request facts -> the timers the request needs, in the
consumer's transaction: the inbox row, the facts and the armed timers commit together."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

from events.application.ports import Clock
from events.catalogue import DomainEvent
from events.catalogue import documents as doc
from events.catalogue import intake as ev
from events.envelope import EMPTY_METADATA
from sla_clock.app.ports import Alarm, Deadlines, Records, UnitOfWork
from sla_clock.app.rules import CurrentRules
from sla_clock.domain.clock import TimerSpec, desired_timers, due_instants
from sla_clock.domain.request_state import RequestState, evolve
from sla_clock.domain.settlement import settled_timers

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


class RequestTracker:
    """Keeps each request's facts and armed timers in step with its events and the rules.

    ``last_event`` is the ``time.monotonic()`` of the last event projected (a rebuild waits
    for the replay to go quiet)."""

    def __init__(
        self, rules: CurrentRules, clock: Clock, alarm: Alarm, unit_of_work: Callable[[], UnitOfWork]
    ) -> None:
        self.rules = rules
        self.clock = clock
        self.alarm = alarm
        self.unit_of_work = unit_of_work
        self.last_event = 0.0

    async def project(self, event: DomainEvent, records: Records) -> RequestState | None:
        """The request's new facts, if the event changed them."""
        self.last_event = time.monotonic()
        await self.rules.ensure_loaded()
        request_id: UUID = event.request_id  # type: ignore[attr-defined]
        state = await records.facts.get(request_id)
        new = evolve(state, event)
        if new is None or new == state:
            return None
        await self.apply(new, records, before=state)
        return new

    async def apply(self, state: RequestState, records: Records, before: RequestState | None = None) -> None:
        """Save the facts and re-arm the request's timers under the current rules; with the
        facts ``before`` the event, also arm the thresholds the event proved passed."""
        rules = self.rules.book.clock_rules()
        now = self.clock.now()
        first_due, resolution_due = due_instants(state, rules)
        deadlines = Deadlines(first_due, resolution_due, rules.policy.version, rules.calendar_name)
        await records.facts.save(state, deadlines, now)
        wanted = merged_timers(desired_timers(state, rules), settled_timers(before, state, rules))
        earliest = await records.timers.sync(state.request_id, wanted, now)
        if earliest is not None:
            self.alarm.wake(earliest)

    async def forget_all(self, records: Records) -> None:
        """Clear the facts and the armed timers, before the events are replayed."""
        await records.facts.clear()
        await records.timers.cancel_all_armed()

    async def rearm_open_requests(self, batch: int = 500) -> int:
        """Recompute every open request's timers under the current rules (after a rule change)."""
        done, after = 0, None
        while True:
            async with self.unit_of_work() as uow:
                ids = await uow.facts.open_ids(after, batch)
                for request_id in ids:
                    state = await uow.facts.get(request_id)
                    if state is not None:
                        await self.apply(state, uow)
                await uow.commit(EMPTY_METADATA)
            if not ids:
                return done
            done += len(ids)
            after = ids[-1]


def merged_timers(desired: list[TimerSpec], settled: list[TimerSpec]) -> list[TimerSpec]:
    """Every timer wanted, in fire order; a settled one replaces a desired one of its identity."""
    if not settled:
        return desired
    taken = {timer.identity for timer in settled}
    timers = [timer for timer in desired if timer.identity not in taken] + settled
    return sorted(timers, key=lambda t: (t.fire_at, t.key, t.threshold))
