"""Pure recomputation of a request's timers from its facts (domain.request_state + domain.clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from events.catalogue import DomainEvent
from events.catalogue import documents as doc
from events.catalogue import intake as ev
from events.catalogue import sla_clock as sla
from sla_clock.domain.clock import ClockRules, desired_timers, due_instants
from sla_clock.domain.deadlines import Calendars
from sla_clock.domain.emission import event_for
from sla_clock.domain.policy import DEFAULT_POLICY
from sla_clock.domain.request_state import RequestState, evolve
from sla_clock.domain.rules_book import default_calendars
from sla_clock.domain.state_codec import decode, encode

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday, 10:00 in Paris
RID = uuid4()
RULES = ClockRules(DEFAULT_POLICY, Calendars(default_calendars()["france"]), "france")


def fold(*events: DomainEvent) -> RequestState:
    return advance(None, *events)


def advance(state: RequestState | None, *events: DomainEvent) -> RequestState:
    """The state after ``events``: these tests' requests are all received, so there is one."""
    for event in events:
        state = evolve(state, event)
    assert state is not None
    return state


def received(at=T0, channel="phone"):
    return ev.RequestReceived(request_id=RID, reference="R-1", channel=channel, received_at=at)


def qualified(priority="p1", at=T0):
    return ev.RequestQualified(
        request_id=RID,
        category="c",
        profile="b2b",
        impact="critical",
        urgency="high",
        workaround="none",
        priority=priority,
        at=at,
    )


def by_key(timers):
    return {(t.key, t.threshold): t for t in timers}


def test_a_p1_gets_a_first_response_warning_at_24_minutes_and_a_breach_at_30():
    timers = by_key(desired_timers(fold(received(), qualified()), RULES))
    assert timers[("first_response", "warning")].fire_at == T0 + timedelta(minutes=24)
    assert timers[("first_response", "breach")].fire_at == T0 + timedelta(minutes=30)
    assert timers[("resolution", "breach")].due_at == T0 + timedelta(hours=4)
    assert timers[("alert:no_response", "alert")].fire_at == T0 + timedelta(hours=4)


def test_an_unqualified_request_counts_as_p3_and_says_so():
    timers = by_key(desired_timers(fold(received()), RULES))
    first = timers[("first_response", "breach")]
    assert first.explanation["priority"] == "P3" and first.explanation["priority_assumed"]


def test_the_first_response_stops_its_clock_and_starts_the_update_cadence():
    ack = ev.RequestAcknowledged(request_id=RID, at=T0 + timedelta(minutes=10))
    timers = by_key(desired_timers(fold(received(), qualified(), ack), RULES))
    assert ("first_response", "breach") not in timers
    assert ("alert:no_response", "alert") not in timers
    assert timers[("next_update", "breach")].due_at == T0 + timedelta(minutes=70)


def test_a_status_update_rearms_the_update_clock():
    update = ev.InteractionRecorded(
        request_id=RID,
        interaction_id=uuid4(),
        channel="email",
        direction="outbound",
        subject="s",
        summary="x",
        occurred_at=T0 + timedelta(minutes=50),
        informs_customer=True,
    )
    timers = by_key(desired_timers(fold(received(), qualified(), update), RULES))
    assert timers[("next_update", "breach")].due_at == T0 + timedelta(minutes=110)


def test_a_priority_change_recomputes_from_received_at_keeping_the_pause():
    pause = [
        ev.AwaitingCustomer(request_id=RID, at=T0 + timedelta(minutes=30), expected="logs"),
        ev.CustomerReplied(request_id=RID, at=T0 + timedelta(minutes=90)),
    ]
    state = fold(received(), qualified("p1"), *pause)
    p1 = by_key(desired_timers(state, RULES))[("resolution", "breach")]
    assert p1.due_at == T0 + timedelta(hours=5)  # 4 h clock + 1 h paused
    change = ev.PriorityChanged(
        request_id=RID,
        old="p1",
        new="p2",
        criterion="impact",
        reason="impact reduced",
        at=T0 + timedelta(hours=2),
    )
    p2 = by_key(desired_timers(advance(state, change), RULES))[("resolution", "breach")]
    # P2: 2 business days (14 business hours) from Monday 10:00 Paris, + 1 h business pause.
    assert p2.due_at == datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    assert p2.explanation["paused_seconds"] == 3600


def test_awaiting_the_customer_stops_the_resolution_clock_until_they_reply():
    waiting = fold(
        received(),
        qualified(),
        ev.AwaitingCustomer(
            request_id=RID, at=T0 + timedelta(minutes=5), expected="x", customer_due_at=T0 + timedelta(days=1)
        ),
    )
    timers = by_key(desired_timers(waiting, RULES))
    assert ("resolution", "breach") not in timers
    assert timers[("relance:1", "due")].fire_at == T0 + timedelta(days=2)
    assert due_instants(waiting, RULES)[1] is None


def test_relances_sent_move_the_schedule_on_to_escalation():
    start = T0 + timedelta(minutes=5)
    state = fold(
        received(),
        qualified(),
        ev.AwaitingCustomer(request_id=RID, at=start, expected="x", customer_due_at=T0 + timedelta(days=1)),
    )
    for n, day in ((1, 2), (2, 6)):
        state = advance(
            state,
            doc.RelanceSent(
                request_id=RID,
                relance_id=uuid4(),
                kind="collection",
                ordinal=n,
                channel="email",
                content="c",
                sent_at=T0 + timedelta(days=day),
            ),
        )
    timers = by_key(desired_timers(state, RULES))
    assert timers[("escalation", "due")].fire_at == T0 + timedelta(days=12)


def test_a_commitment_is_warned_at_80_percent_and_breached_at_its_due_time():
    made = ev.CommitmentMade(
        request_id=RID,
        commitment_id=uuid4(),
        deliverable="diagnosis",
        made_at=T0,
        due_at=T0 + timedelta(hours=10),
    )
    timers = [t for t in desired_timers(fold(received(), made), RULES) if t.key.startswith("commit")]
    assert [(t.threshold, t.fire_at) for t in timers] == [
        ("warning", T0 + timedelta(hours=8)),
        ("breach", T0 + timedelta(hours=10)),
    ]


def test_closing_stops_everything():
    closed = ev.RequestClosed(request_id=RID, reason="customer_confirmed", at=T0)
    assert desired_timers(fold(received(), qualified(), closed), RULES) == []


def test_the_state_survives_its_json_round_trip():
    made = ev.CommitmentMade(
        request_id=RID, commitment_id=uuid4(), deliverable="d", made_at=T0, due_at=T0 + timedelta(hours=1)
    )
    state = fold(
        received(),
        qualified(),
        made,
        ev.AwaitingCustomer(request_id=RID, at=T0, expected="x", customer_due_at=T0 + timedelta(days=1)),
    )
    assert decode(encode(state)) == state


def test_a_fired_warning_becomes_an_sla_warning_event_that_tells_to_inform_the_customer():
    timer = by_key(desired_timers(fold(received(), qualified()), RULES))[("first_response", "warning")]
    event = event_for(RID, timer.key, timer.threshold, timer.fire_at, timer.due_at, timer.explanation, T0)
    assert isinstance(event, sla.SlaWarning)
    assert event.event_type == "sla_clock.SlaWarning" and "customer" in event.advice
    assert event.policy_version == 1


# --- collection relances: a request flagged with missing mandatory information --------------


def flagged(missing=("subject", "description")):
    return ev.RequestReceived(
        request_id=RID, reference="R-1", channel="email", received_at=T0, missing_fields=missing
    )


def completed(still_missing=(), at=T0 + timedelta(hours=2)):
    return ev.RequestDetailsCompleted(
        request_id=RID, subject="s", description="d", missing_fields=still_missing, at=at
    )


def collection_sent(at):
    return doc.RelanceSent(
        request_id=RID,
        relance_id=uuid4(),
        kind="collection",
        ordinal=1,
        channel="email",
        content="c",
        sent_at=at,
    )


def collection(timers):
    return [t for t in timers if t.key.startswith("collection:")]


def test_a_flagged_request_gets_a_collection_relance_one_business_day_after_reception():
    [timer] = collection(desired_timers(fold(flagged()), RULES))
    assert (timer.key, timer.threshold) == ("collection:1", "due")
    assert timer.fire_at == timer.due_at == T0 + timedelta(days=1)  # Tuesday 10:00 Paris
    assert timer.explanation["missing_fields"] == ["subject", "description"]
    assert timer.explanation["basis"] == "business" and timer.explanation["calendar"] == "france"
    event = event_for(
        RID, timer.key, timer.threshold, timer.fire_at, timer.due_at, timer.explanation, timer.fire_at
    )
    assert isinstance(event, sla.RelanceDue)
    assert event.event_type == "sla_clock.RelanceDue"
    assert (event.kind, event.ordinal, event.missing_fields) == ("collection", 1, ("subject", "description"))
    assert event.customer_due_at == T0 and event.latest_at == T0 + timedelta(days=2)


def test_a_complete_request_gets_no_collection_relance():
    assert collection(desired_timers(fold(received()), RULES)) == []


def test_completing_the_details_stops_the_collection_relances_but_not_while_some_are_missing():
    partly = fold(flagged(), completed(still_missing=("description",)))
    [timer] = collection(desired_timers(partly, RULES))
    assert timer.explanation["missing_fields"] == ["description"]
    assert timer.due_at == T0 + timedelta(days=1)  # still counted from reception
    assert collection(desired_timers(advance(partly, completed()), RULES)) == []


def test_resolving_or_closing_stops_the_collection_relances():
    resolved = ev.RequestResolved(request_id=RID, resolution="done", at=T0 + timedelta(hours=1))
    closed = ev.RequestClosed(request_id=RID, reason="no_answer_timeout", at=T0 + timedelta(hours=1))
    assert collection(desired_timers(fold(flagged(), resolved), RULES)) == []
    assert collection(desired_timers(fold(flagged(), closed), RULES)) == []


def test_collection_relances_sent_move_the_schedule_on_to_escalation():
    first = T0 + timedelta(days=1, hours=1)
    state = fold(flagged(), collection_sent(first))
    [second] = collection(desired_timers(state, RULES))
    assert (second.key, second.due_at) == ("collection:2", first + timedelta(days=3))
    state = advance(state, collection_sent(first + timedelta(days=4)))
    [escalation] = collection(desired_timers(state, RULES))
    assert (escalation.key, escalation.due_at) == ("collection:escalation", first + timedelta(days=10))
    event = event_for(
        RID,
        escalation.key,
        escalation.threshold,
        escalation.fire_at,
        escalation.due_at,
        escalation.explanation,
        escalation.fire_at,
    )
    assert isinstance(event, sla.EscalationDue)
    assert event.event_type == "sla_clock.EscalationDue" and event.kind == "collection"


def test_a_customer_response_relance_still_says_so():
    waiting = fold(
        received(),
        ev.AwaitingCustomer(request_id=RID, at=T0, expected="x", customer_due_at=T0 + timedelta(days=1)),
    )
    timer = by_key(desired_timers(waiting, RULES))[("relance:1", "due")]
    event = event_for(
        RID, timer.key, timer.threshold, timer.fire_at, timer.due_at, timer.explanation, timer.fire_at
    )
    assert isinstance(event, sla.RelanceDue)
    assert (event.kind, event.missing_fields) == ("customer_response", ())


def test_the_flag_survives_the_json_round_trip_and_old_states_decode():
    state = fold(flagged(), collection_sent(T0 + timedelta(days=1)))
    assert decode(encode(state)) == state
    old = encode(fold(received()))
    del old["missing_fields"], old["collection_relances_sent"]
    assert decode(old) == fold(received())


def test_relance_events_stored_before_the_kind_field_still_validate():
    from events.catalogue import sla_clock as sla

    stored = {
        "request_id": str(RID),
        "ordinal": 1,
        "customer_due_at": T0.isoformat(),
        "due_at": T0.isoformat(),
        "latest_at": T0.isoformat(),
        "emitted_at": T0.isoformat(),
    }
    assert sla.RelanceDue.model_validate(stored).kind == "customer_response"
    del stored["ordinal"], stored["latest_at"]
    assert sla.EscalationDue.model_validate(stored).kind == "customer_response"
