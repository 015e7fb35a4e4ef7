"""Informative and validation relances (docs/domain.md §8.7): when each is due, what a
``RelanceSent`` of its kind arms next, and what stops it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from events.catalogue import DomainEvent
from events.catalogue import documents as doc
from events.catalogue import intake as ev
from events.catalogue import sla_clock as sla
from sla_clock.domain.clock import DUE, ClockRules, TimerSpec, desired_timers
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.emission import event_for
from sla_clock.domain.policy import DEFAULT_POLICY
from sla_clock.domain.relances import next_informative_relance, next_validation_relance
from sla_clock.domain.request_state import RequestState, evolve
from sla_clock.domain.rules_book import default_calendars
from sla_clock.domain.state_codec import decode, encode

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
RESOLUTION_DUE = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # P3 by email: 5 business days
RESOLVED = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # Wednesday 11:00 in Paris
FRANCE = default_calendars()["france"]
RULES = ClockRules(DEFAULT_POLICY, Calendars(FRANCE), "france")
RID = uuid4()


def fold(*events: DomainEvent) -> RequestState:
    state: RequestState | None = None
    for event in events:
        state = evolve(state, event)
    assert state is not None
    return state


def received() -> ev.RequestReceived:
    return ev.RequestReceived(request_id=RID, reference="DEM-2026-000123", channel="email", received_at=T0)


def sent(kind: str, at: datetime, ordinal: int = 1) -> doc.RelanceSent:
    return doc.RelanceSent(
        request_id=RID,
        relance_id=uuid4(),
        kind=kind,
        ordinal=ordinal,
        channel="email",
        content="Suivi de votre demande",
        sent_at=at,
    )


def resolved(at: datetime = RESOLVED) -> ev.RequestResolved:
    return ev.RequestResolved(request_id=RID, resolution="fixed", first_contact=False, at=at)


def inbound(at: datetime) -> ev.InteractionRecorded:
    return ev.InteractionRecorded(
        request_id=RID,
        interaction_id=uuid4(),
        channel="email",
        direction="inbound",
        subject="Re: votre demande",
        summary="ça marche",
        occurred_at=at,
    )


def relances(state: RequestState) -> dict[str, TimerSpec]:
    return {t.key: t for t in desired_timers(state, RULES) if t.threshold == DUE}


def emitted(timer: TimerSpec) -> DomainEvent:
    return event_for(
        RID, timer.key, timer.threshold, timer.fire_at, timer.due_at, timer.explanation, timer.fire_at
    )


def test_an_open_request_past_its_resolution_deadline_gets_progress_news_at_once() -> None:
    timer = relances(fold(received()))["informative:1"]
    assert timer.fire_at == RESOLUTION_DUE
    event = emitted(timer)
    assert isinstance(event, sla.RelanceDue)
    assert (event.kind, event.ordinal, event.customer_due_at) == ("informative", 1, RESOLUTION_DUE)
    assert event.latest_at == RESOLUTION_DUE + timedelta(days=1)  # 1 business day: Tuesday 10:00


def test_the_informative_relance_sent_arms_the_second_and_the_second_ends_the_schedule() -> None:
    first = RESOLUTION_DUE + timedelta(hours=1)
    after_first = fold(received(), sent("informative", first))
    second = relances(after_first)["informative:2"]
    assert second.fire_at == first + timedelta(days=3)
    assert emitted(second).latest_at == first + timedelta(days=5)  # type: ignore[attr-defined]
    done = fold(received(), sent("informative", first), sent("informative", first + timedelta(days=3), 2))
    assert not [key for key in relances(done) if key.startswith("informative")]


def test_no_progress_news_while_waiting_on_the_customer_or_once_resolved() -> None:
    waiting = fold(
        received(), ev.AwaitingCustomer(request_id=RID, at=T0 + timedelta(hours=1), expected="RIB")
    )
    assert "informative:1" not in relances(waiting)
    assert not [key for key in relances(fold(received(), resolved())) if key.startswith("informative")]


def test_a_relance_of_another_kind_does_not_count_as_progress_news() -> None:
    state = fold(received(), sent("collection", RESOLUTION_DUE))
    assert state.informative_relances_sent == ()
    assert "informative:1" in relances(state)


def test_a_resolved_request_gets_its_validation_relance_two_business_days_later() -> None:
    timer = relances(fold(received(), resolved()))["validation:1"]
    assert timer.fire_at == RESOLVED + timedelta(days=2)  # Friday 11:00 in Paris
    event = emitted(timer)
    assert isinstance(event, sla.RelanceDue)
    assert (event.kind, event.ordinal, event.customer_due_at) == ("validation", 1, RESOLVED)
    assert event.latest_at == datetime(2026, 3, 9, 10, 0, tzinfo=UTC)  # 3 business days: Monday


def test_validation_second_relance_then_escalate_or_close_ten_days_after_the_resolution() -> None:
    first = RESOLVED + timedelta(days=2)
    second_at = first + timedelta(days=3)
    assert (
        relances(fold(received(), resolved(), sent("validation", first)))["validation:2"].fire_at == second_at
    )
    both = fold(received(), resolved(), sent("validation", first), sent("validation", second_at, 2))
    close = relances(both)["validation:escalation"]
    assert close.fire_at == RESOLVED + timedelta(days=10)
    event = emitted(close)
    assert isinstance(event, sla.EscalationDue) and event.kind == "validation"


def test_escalate_or_close_never_comes_before_the_second_validation_relance() -> None:
    late = RESOLVED + timedelta(days=12)
    nxt = next_validation_relance(RESOLVED, FRANCE, (RESOLVED + timedelta(days=2), late))
    assert nxt.due_at == late


def test_the_customer_answering_the_resolution_stops_the_validation_relances() -> None:
    assert "validation:1" not in relances(
        fold(received(), resolved(), inbound(RESOLVED + timedelta(hours=3)))
    )
    replied = fold(
        received(), resolved(), ev.CustomerReplied(request_id=RID, at=RESOLVED + timedelta(days=1))
    )
    assert "validation:1" not in relances(replied)
    before = fold(received(), inbound(T0 + timedelta(hours=1)), resolved())
    assert "validation:1" in relances(before), "a message before the resolution is no answer to it"


def test_closing_ends_the_validation_relances_and_reopening_starts_the_schedules_afresh() -> None:
    first = RESOLVED + timedelta(days=2)
    closed = ev.RequestClosed(request_id=RID, reason="customer_confirmed", at=first)
    assert desired_timers(fold(received(), resolved(), closed), RULES) == []
    reopened = fold(
        received(),
        sent("informative", RESOLUTION_DUE),
        resolved(RESOLUTION_DUE + timedelta(days=1)),
        sent("validation", RESOLUTION_DUE + timedelta(days=3)),
        ev.RequestReopened(request_id=RID, reason="not fixed", at=RESOLUTION_DUE + timedelta(days=4)),
    )
    assert reopened.informative_relances_sent == () and reopened.validation_relances_sent == ()
    assert "informative:1" in relances(reopened)


def test_a_validation_relance_sent_before_a_resolution_does_not_count() -> None:
    assert fold(received(), sent("validation", T0 + timedelta(hours=1))).validation_relances_sent == ()


def test_the_new_facts_survive_the_state_codec() -> None:
    state = fold(
        received(),
        sent("informative", RESOLUTION_DUE),
        resolved(RESOLUTION_DUE + timedelta(days=1)),
        sent("validation", RESOLUTION_DUE + timedelta(days=3)),
        inbound(RESOLUTION_DUE + timedelta(days=4)),
    )
    assert state.answered_resolution_at == RESOLUTION_DUE + timedelta(days=4)
    assert decode(encode(state)) == state


def test_informative_relance_windows() -> None:
    assert next_informative_relance(RESOLUTION_DUE, FRANCE, (T0, T0 + timedelta(days=3))) is None
    friday = datetime(2026, 3, 6, 14, 0, tzinfo=UTC)  # 15:00 in Paris: latest is Monday 15:00
    nxt = next_informative_relance(friday, FRANCE)
    assert nxt is not None and nxt.latest_at == datetime(2026, 3, 9, 14, 0, tzinfo=UTC)
