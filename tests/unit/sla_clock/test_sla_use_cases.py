"""The SLA clock's use cases over fakes of their ports: projection, firing, rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self
from uuid import UUID, uuid4

import pytest
from sla_simulation import FakeFacts, FakeSubjectRequests

from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.envelope import Metadata
from events.store import ConcurrencyError
from sla_clock.app.errors import InvalidPolicy, UnknownCalendar
from sla_clock.app.firing import fire_timers
from sla_clock.app.ports import RulesStore, SlaStreams, TimerStore, UnitOfWork
from sla_clock.app.projection import RequestTracker
from sla_clock.app.rules import CurrentRules, define_policy, seed_defaults
from sla_clock.domain.clock import TimerSpec
from sla_clock.domain.streams import CALENDAR_STREAM, POLICY_STREAM, request_stream
from sla_clock.domain.timers import DueTimer

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris


class FrozenClock:
    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


class FakeTimers(TimerStore):
    def __init__(self, due: Sequence[DueTimer] = ()) -> None:
        self.armed: dict[UUID, list[TimerSpec]] = {}
        self.due = list(due)
        self.fired: list[int] = []

    async def sync(self, request_id: UUID, wanted: Sequence[TimerSpec], now: datetime) -> datetime | None:
        new = [spec for spec in wanted if spec not in self.armed.get(request_id, [])]
        self.armed[request_id] = list(wanted)
        return min((spec.fire_at for spec in new), default=None)

    async def cancel_all_armed(self) -> None:
        self.armed.clear()

    async def claim(self, ids: Sequence[int], now: datetime) -> list[DueTimer]:
        return [timer for timer in self.due if timer.id in ids and timer.fire_at <= now]

    async def mark_fired(self, ids: Sequence[int], emitted_at: datetime) -> None:
        self.fired += ids


class FakeStreams(SlaStreams):
    def __init__(self) -> None:
        self.appended: dict[UUID, list[DomainEvent]] = {}

    async def append(self, events: Mapping[UUID, Sequence[DomainEvent]]) -> None:
        for stream, batch in events.items():
            self.appended.setdefault(stream, []).extend(batch)


class FakeUnitOfWork(UnitOfWork):
    def __init__(self, timers: FakeTimers) -> None:
        self._facts, self._timers, self._streams = FakeFacts(), timers, FakeStreams()
        self._subject_requests = FakeSubjectRequests()
        self.committed = False

    @property
    def facts(self) -> FakeFacts:
        return self._facts

    @property
    def timers(self) -> FakeTimers:
        return self._timers

    @property
    def streams(self) -> FakeStreams:
        return self._streams

    @property
    def subject_requests(self) -> FakeSubjectRequests:
        return self._subject_requests

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self, metadata: Metadata) -> None:
        self.committed = True


class FakeRules(RulesStore):
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
        _expect_version(POLICY_STREAM, self.policy_events, expected_version)
        self.policy_events.append(event)

    async def define_calendar(self, expected_version: int, event: CalendarDefined) -> None:
        _expect_version(CALENDAR_STREAM, self.calendar_events, expected_version)
        self.calendar_events.append(event)


def _expect_version(stream: UUID, events: Sequence[object], expected_version: int) -> None:
    """A stream's version is its number of events, as in the event store."""
    if len(events) != expected_version:
        raise ConcurrencyError(stream, expected_version, len(events))


class Woken:
    def __init__(self) -> None:
        self.at: list[datetime] = []

    def wake(self, at: datetime) -> None:
        self.at.append(at)


def due_timer(timer_id: int, request_id: UUID, threshold: str = "warning") -> DueTimer:
    due_at = T0 + timedelta(minutes=30)
    return DueTimer(timer_id, request_id, "first_response", threshold, T0, due_at, {"policy_version": 1})


async def test_firing_emits_each_due_timer_on_its_request_stream_and_marks_it_fired() -> None:
    first, second = uuid4(), uuid4()
    uow = FakeUnitOfWork(
        FakeTimers([due_timer(1, first), due_timer(2, first, "breach"), due_timer(3, second)])
    )
    fired = await fire_timers(uow, [1, 2, 3], FrozenClock())
    assert [timer.id for timer in fired] == [1, 2, 3] and uow.timers.fired == [1, 2, 3]
    appended = uow.streams.appended
    assert [type(e).__name__ for e in appended[request_stream(first)]] == ["SlaWarning", "SlaBreached"]
    assert [type(e).__name__ for e in appended[request_stream(second)]] == ["SlaWarning"]
    assert uow.committed


async def test_firing_nothing_due_commits_nothing() -> None:
    uow = FakeUnitOfWork(FakeTimers([due_timer(1, uuid4())]))
    assert await fire_timers(uow, [1], FrozenClock(T0 - timedelta(seconds=1))) == []
    assert not uow.committed and uow.streams.appended == {}


async def test_a_received_request_is_saved_with_its_deadlines_and_wakes_the_scheduler_once() -> None:
    alarm, uow = Woken(), FakeUnitOfWork(FakeTimers())
    tracker = RequestTracker(CurrentRules(FakeRules()), FrozenClock(), alarm, lambda: uow)
    rid = uuid4()
    received = ev.RequestReceived(request_id=rid, reference="R-1", channel="phone", received_at=T0)
    await tracker.project(received, uow)
    await tracker.project(received, uow)  # the same facts again: nothing to re-arm
    assert uow.facts.deadlines[rid].policy_version == 1 and uow.facts.deadlines[rid].calendar == "france"
    assert uow.facts.deadlines[rid].first_response_due is not None
    assert alarm.at == [min(spec.fire_at for spec in uow.timers.armed[rid])]


async def test_a_policy_on_an_unknown_calendar_or_without_a_priority_is_refused() -> None:
    store = FakeRules()
    assert await seed_defaults(store, T0)
    rules = CurrentRules(store)
    await rules.load()
    spec = rules.book.policy.to_spec()
    with pytest.raises(UnknownCalendar):
        await define_policy(rules, spec, "mars", "manon", "typo", T0)
    del spec["priorities"]["P3"]
    with pytest.raises(InvalidPolicy):
        await define_policy(rules, spec, "france", "manon", "lost P3", T0)
    assert len(store.policy_events) == 1
