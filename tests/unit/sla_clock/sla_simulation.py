"""The SLA clock's consumer and scheduler over in-memory ports, on a clock the test sets: events
are consumed and timers fired at chosen instants, in any interleaving. Not a test module.

``SimTimers`` keeps timers as the SQL store does: unique on (key, threshold, due instant), an
armed timer no longer wanted is cancelled unless the facts settled it, a settled one cancelled
earlier is armed again, and a fired one never fires again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.envelope import Metadata
from sla_clock.app.firing import fire_timers
from sla_clock.app.ports import Deadlines, FactsRepository, SubjectRequestRepository
from sla_clock.app.projection import RequestTracker
from sla_clock.app.rules import CurrentRules
from sla_clock.domain.clock import TimerSpec
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.settlement import settled_by_facts
from sla_clock.domain.subject_requests import SubjectRequestFacts
from sla_clock.domain.timers import ARMED, CANCELLED, FIRED, DueTimer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


class SimClock:
    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@dataclass
class TimerRow:
    id: int
    request_id: UUID
    key: str
    threshold: str
    fire_at: datetime
    due_at: datetime
    state: str
    explanation: dict[str, Any]
    armed_at: datetime
    emitted_at: datetime | None = None

    @property
    def identity(self) -> tuple[UUID, str, str, datetime]:
        return (self.request_id, self.key, self.threshold, self.due_at)


class SimTimers:
    def __init__(self) -> None:
        self.rows: dict[tuple[UUID, str, str, datetime], TimerRow] = {}

    async def sync(self, request_id: UUID, wanted: Sequence[TimerSpec], now: datetime) -> datetime | None:
        wanted_ids = {(request_id, *spec.identity) for spec in wanted}
        for armed in self.rows.values():
            if armed.request_id != request_id or armed.state != ARMED:
                continue
            if armed.identity not in wanted_ids and not settled_by_facts(armed.explanation):
                armed.state = CANCELLED
        earliest: datetime | None = None
        for spec in wanted:
            row = self.rows.get((request_id, *spec.identity))
            if row is not None and row.state == ARMED:
                if settled_by_facts(spec.explanation) or not settled_by_facts(row.explanation):
                    row.explanation = dict(spec.explanation)
                continue
            if row is None:
                self.rows[(request_id, *spec.identity)] = TimerRow(
                    len(self.rows) + 1,
                    request_id,
                    spec.key,
                    spec.threshold,
                    spec.fire_at,
                    spec.due_at,
                    ARMED,
                    dict(spec.explanation),
                    now,
                )
            elif row.state == CANCELLED and settled_by_facts(spec.explanation):
                row.state, row.fire_at, row.armed_at = ARMED, spec.fire_at, now
                row.explanation = dict(spec.explanation)
            else:
                continue
            earliest = spec.fire_at if earliest is None else min(earliest, spec.fire_at)
        return earliest

    async def cancel_all_armed(self) -> None:
        for row in self.rows.values():
            if row.state == ARMED:
                row.state = CANCELLED

    async def claim(self, ids: Sequence[int], now: datetime) -> list[DueTimer]:
        rows = [r for r in self.rows.values() if r.id in ids and r.state == ARMED and r.fire_at <= now]
        rows.sort(key=lambda r: (r.fire_at, r.id))
        return [
            DueTimer(r.id, r.request_id, r.key, r.threshold, r.fire_at, r.due_at, r.explanation) for r in rows
        ]

    async def mark_fired(self, ids: Sequence[int], emitted_at: datetime) -> None:
        for row in self.rows.values():
            if row.id in ids and row.state == ARMED:
                row.state, row.emitted_at = FIRED, emitted_at

    def armed(self) -> list[TimerRow]:
        return sorted((r for r in self.rows.values() if r.state == ARMED), key=lambda r: (r.fire_at, r.id))


class FakeFacts(FactsRepository):
    """The facts repository in memory, as the SQL one keeps it (shared by the use-case tests)."""

    def __init__(self) -> None:
        self.states: dict[UUID, RequestState] = {}
        self.deadlines: dict[UUID, Deadlines] = {}

    async def get(self, request_id: UUID) -> RequestState | None:
        return self.states.get(request_id)

    async def save(self, state: RequestState, deadlines: Deadlines, now: datetime) -> None:
        self.states[state.request_id], self.deadlines[state.request_id] = state, deadlines

    async def open_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        open_ids = sorted(rid for rid, state in self.states.items() if state.status != "closed")
        return [rid for rid in open_ids if after is None or rid > after][:limit]

    async def clear(self) -> None:
        self.states.clear()
        self.deadlines.clear()


class FakeSubjectRequests(SubjectRequestRepository):
    """The data-subject requests' deadline facts in memory."""

    def __init__(self) -> None:
        self.facts: dict[UUID, SubjectRequestFacts] = {}

    async def get(self, request_id: UUID) -> SubjectRequestFacts | None:
        return self.facts.get(request_id)

    async def save(self, facts: SubjectRequestFacts, now: datetime) -> None:
        self.facts[facts.request_id] = facts

    async def clear(self) -> None:
        self.facts.clear()


@dataclass
class SimStreams:
    events: list[DomainEvent] = field(default_factory=list)

    async def append(self, events: Mapping[UUID, Sequence[DomainEvent]]) -> None:
        for batch in events.values():
            self.events.extend(batch)


class SimUnitOfWork:
    """Every transaction sees the same in-memory records (one request at a time)."""

    def __init__(self) -> None:
        self.facts, self.timers, self.streams = FakeFacts(), SimTimers(), SimStreams()
        self.subject_requests = FakeSubjectRequests()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self, metadata: Metadata) -> None:
        return None


class SimRules:
    def __init__(self) -> None:
        self.calendar_events: list[CalendarDefined] = []
        self.policy_events: list[SlaPolicyDefined] = []

    async def calendars(self) -> list[CalendarDefined]:
        return self.calendar_events

    async def policies(self) -> list[SlaPolicyDefined]:
        return self.policy_events

    async def seed(self, calendars: Sequence[CalendarDefined], policy: SlaPolicyDefined) -> bool:
        if self.calendar_events or self.policy_events:
            return False
        self.calendar_events, self.policy_events = list(calendars), [policy]
        return True

    async def define_policy(self, expected_version: int, event: SlaPolicyDefined) -> None:
        self.policy_events.append(event)

    async def define_calendar(self, expected_version: int, event: CalendarDefined) -> None:
        self.calendar_events.append(event)


class NoAlarm:
    def wake(self, at: datetime) -> None:
        return None


class SlaSimulation:
    """``await sim.consume(at, event)``, ``await sim.fire(at)``; ``sim.log`` is what was emitted."""

    def __init__(self) -> None:
        self.clock = SimClock()
        self.uow = SimUnitOfWork()
        self.tracker = RequestTracker(CurrentRules(SimRules()), self.clock, NoAlarm(), lambda: self.uow)

    async def consume(self, at: datetime, event: DomainEvent) -> None:
        self.clock.at = at
        await self.tracker.project(event, self.uow)

    async def fire(self, at: datetime, armed_before: datetime | None = None) -> int:
        """Fire the timers due at ``at``; with ``armed_before``, only those whose instant and
        arming both came before it (the consumer has not yet handled the events published
        from then on)."""
        self.clock.at = at
        ids = [
            row.id
            for row in self.uow.timers.armed()
            if row.fire_at <= at and (armed_before is None or max(row.fire_at, row.armed_at) < armed_before)
        ]
        return len(await fire_timers(self.uow, ids, self.clock)) if ids else 0

    @property
    def log(self) -> list[DomainEvent]:
        return self.uow.streams.events

    def thresholds(self) -> list[tuple[str, str, datetime]]:
        """(event type, deadline kind, due instant) of every warning and breach emitted."""
        return [
            (type(e).__name__, e.kind, e.due_at)  # type: ignore[attr-defined]
            for e in self.log
            if type(e).__name__ in ("SlaWarning", "SlaBreached")
        ]

    def deadlines(self, request_id: UUID) -> Deadlines:
        return self.uow.facts.deadlines[request_id]

    def state(self, request_id: UUID) -> RequestState:
        return self.uow.facts.states[request_id]
