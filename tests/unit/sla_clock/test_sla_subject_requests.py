"""The one-month deadline of a data-subject request in the SLA clock (docs/domain.md §16.3):
warned a week before its due date, breached at it, moved only by an extension told in time,
ended by completion (which records the thresholds it came after)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from sla_simulation import NoAlarm, SlaSimulation

from events.catalogue import retention as r
from events.catalogue import sla_clock as s
from sla_clock.app.subject_requests import SubjectRequestTracker
from sla_clock.domain.clock import BREACH, WARNING
from sla_clock.domain.emission import event_for
from sla_clock.domain.settlement import ACTUAL_AT, LATE_BY
from sla_clock.domain.subject_requests import (
    DEADLINE,
    SubjectRequestFacts,
    desired_timers,
    evolve,
)

RECEIVED = datetime(2027, 1, 31, 8, 0, tzinfo=UTC)
DUE = datetime(2027, 2, 28, 8, 0, tzinfo=UTC)  # 31 January + one month: February's last day


def received(request_id: UUID, at: datetime = RECEIVED, due: datetime = DUE) -> r.DataSubjectRequestReceived:
    return r.DataSubjectRequestReceived(
        request_id=request_id,
        kind="access",
        identity={"name": "Jeanne Martin"},
        channel="email",
        received_by="agent-1",
        received_at=at,
        due_at=due,
    )


def extended(
    request_id: UUID, months: int, told: datetime, at: datetime | None = None
) -> r.DataSubjectRequestExtended:
    new_due = {1: datetime(2027, 3, 31, 8, 0, tzinfo=UTC), 2: datetime(2027, 4, 30, 8, 0, tzinfo=UTC)}
    return r.DataSubjectRequestExtended(
        request_id=request_id,
        months=months,
        due_at=new_due.get(months, datetime(2027, 5, 31, 8, 0, tzinfo=UTC)),
        reasons="numerous requests",
        person_told_at=told,
        extended_by="dpo",
        at=at or told,
    )


def completed(request_id: UUID, at: datetime) -> r.DataSubjectRequestCompleted:
    return r.DataSubjectRequestCompleted(
        request_id=request_id, actions=("data exported",), completed_by="dpo", at=at
    )


def facts_after(*events: object) -> SubjectRequestFacts:
    facts: SubjectRequestFacts | None = None
    for event in events:
        facts = evolve(facts, event)  # type: ignore[arg-type]
    assert facts is not None
    return facts


def thresholds(facts: SubjectRequestFacts) -> list[tuple[str, datetime, datetime]]:
    return [(t.threshold, t.fire_at, t.due_at) for t in desired_timers(facts)]


def test_a_request_received_is_warned_a_week_before_its_due_date_and_breached_at_it() -> None:
    rid = uuid4()
    facts = facts_after(received(rid))
    assert facts.due_at == DUE and facts.first_due_at == DUE
    assert thresholds(facts) == [(WARNING, DUE - timedelta(days=7), DUE), (BREACH, DUE, DUE)]
    assert {t.key for t in desired_timers(facts)} == {DEADLINE}


def test_events_before_the_receipt_are_not_facts_and_a_second_receipt_changes_nothing() -> None:
    rid = uuid4()
    assert evolve(None, completed(rid, RECEIVED)) is None
    first = facts_after(received(rid))
    assert evolve(first, received(rid, RECEIVED + timedelta(days=1), DUE + timedelta(days=1))) == first


@pytest.mark.parametrize("months", [1, 2])
def test_an_extension_told_before_the_first_month_ends_moves_warning_and_breach(months: int) -> None:
    rid = uuid4()
    told = DUE - timedelta(minutes=1)
    facts = facts_after(received(rid), extended(rid, months, told))
    new_due = extended(rid, months, told).due_at
    assert (facts.due_at, facts.extended_months, facts.first_due_at) == (new_due, months, DUE)
    assert thresholds(facts) == [(WARNING, new_due - timedelta(days=7), new_due), (BREACH, new_due, new_due)]


@pytest.mark.parametrize(
    ("told", "decided"),
    [
        (DUE, DUE - timedelta(days=1)),  # told as the first month ends: too late
        (DUE + timedelta(days=2), DUE - timedelta(days=1)),
        (DUE - timedelta(days=1), DUE),  # decided once the month ended
    ],
)
def test_an_extension_told_or_decided_once_the_first_month_ended_leaves_the_deadline(
    told: datetime, decided: datetime
) -> None:
    rid = uuid4()
    facts = facts_after(received(rid), extended(rid, 2, told, decided))
    assert facts.due_at == DUE and facts.extended_months == 0
    assert thresholds(facts) == [(WARNING, DUE - timedelta(days=7), DUE), (BREACH, DUE, DUE)]


def test_only_one_extension_of_one_or_two_months_counts() -> None:
    rid = uuid4()
    early = RECEIVED + timedelta(days=3)
    assert facts_after(received(rid), extended(rid, 3, early)).due_at == DUE
    once = facts_after(received(rid), extended(rid, 1, early), extended(rid, 2, early + timedelta(days=1)))
    assert once.extended_months == 1 and once.due_at == datetime(2027, 3, 31, 8, 0, tzinfo=UTC)


def test_completed_before_the_warning_ends_the_deadline() -> None:
    rid = uuid4()
    assert desired_timers(facts_after(received(rid), completed(rid, RECEIVED + timedelta(days=10)))) == []


def test_completed_after_the_warning_records_it_and_not_the_breach() -> None:
    rid = uuid4()
    done = DUE - timedelta(days=2)
    (warning,) = desired_timers(facts_after(received(rid), completed(rid, done)))
    assert (warning.threshold, warning.fire_at) == (WARNING, DUE - timedelta(days=7))
    assert warning.explanation[ACTUAL_AT] == done.isoformat()


def test_completed_late_records_the_breach_with_how_late() -> None:
    rid = uuid4()
    done = DUE + timedelta(hours=5)
    timers = desired_timers(facts_after(received(rid), completed(rid, done)))
    breach = next(t for t in timers if t.threshold == BREACH)
    event = event_for(
        rid, breach.key, breach.threshold, breach.fire_at, breach.due_at, breach.explanation, done
    )
    assert isinstance(event, s.SlaBreached)
    assert (event.kind, event.due_at, event.actual_at, event.late_by_seconds) == (
        DEADLINE,
        DUE,
        done,
        5 * 3600,
    )


def test_the_warning_event_names_the_deadline_and_says_what_to_do() -> None:
    rid = uuid4()
    warning = desired_timers(facts_after(received(rid)))[0]
    event = event_for(
        rid, warning.key, warning.threshold, warning.fire_at, warning.due_at, warning.explanation, RECEIVED
    )
    assert isinstance(event, s.SlaWarning)
    assert (event.request_id, event.kind, event.due_at, event.threshold_at) == (
        rid,
        DEADLINE,
        DUE,
        DUE - timedelta(days=7),
    )
    assert "extend" in event.advice and event.policy_version is None
    assert LATE_BY not in warning.explanation


class Tracked:
    """The subject-request tracker over the simulation's in-memory ports."""

    def __init__(self) -> None:
        self.sim = SlaSimulation()
        self.tracker = SubjectRequestTracker(self.sim.clock, NoAlarm())

    def consume(self, at: datetime, event: object) -> None:
        self.sim.clock.at = at
        asyncio.run(self.tracker.project(event, self.sim.uow))  # type: ignore[arg-type]

    def fire(self, at: datetime) -> list[tuple[str, str, datetime]]:
        asyncio.run(self.sim.fire(at))
        return self.sim.thresholds()


def test_the_tracker_arms_fires_each_threshold_once_and_records_a_late_completion() -> None:
    rid = uuid4()
    t = Tracked()
    t.consume(RECEIVED, received(rid))
    assert t.fire(DUE - timedelta(days=7, seconds=1)) == []
    assert t.fire(DUE - timedelta(days=7)) == [("SlaWarning", DEADLINE, DUE)]
    t.consume(DUE + timedelta(hours=2), completed(rid, DUE + timedelta(hours=1)))  # before the breach fired
    assert t.fire(DUE + timedelta(hours=2)) == [("SlaWarning", DEADLINE, DUE), ("SlaBreached", DEADLINE, DUE)]
    breach = t.sim.log[-1]
    assert isinstance(breach, s.SlaBreached) and breach.late_by_seconds == 3600
    t.fire(DUE + timedelta(days=60))
    assert len(t.sim.log) == 2, "each threshold once"


def test_the_tracker_moves_the_timers_with_an_extension_and_a_redelivery_changes_nothing() -> None:
    rid = uuid4()
    t = Tracked()
    t.consume(RECEIVED, received(rid))
    told = RECEIVED + timedelta(days=5)
    t.consume(told, extended(rid, 1, told))
    t.consume(told, extended(rid, 1, told))
    new_due = datetime(2027, 3, 31, 8, 0, tzinfo=UTC)
    assert t.fire(DUE + timedelta(days=1)) == []
    assert t.fire(new_due) == [("SlaWarning", DEADLINE, new_due), ("SlaBreached", DEADLINE, new_due)]
    assert asyncio.run(t.sim.uow.subject_requests.get(rid)) == SubjectRequestFacts(
        rid, RECEIVED, DUE, new_due, extended_months=1
    )
