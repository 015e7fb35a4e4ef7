"""A missed deadline is recorded whatever the order and timing of events (docs/domain.md §6.5):
the projection and the firing over in-memory ports, on a clock the test sets."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

sys.path.insert(0, str(Path(__file__).parent))

from sla_simulation import T0, SlaSimulation

from events.catalogue import intake as ev
from events.catalogue.sla_clock import SlaBreached, SlaWarning

GRACE = timedelta(seconds=1)


def received(rid: UUID, at: datetime, channel: str = "chat") -> ev.RequestReceived:
    return ev.RequestReceived(request_id=rid, reference=f"R-{rid.hex[:6]}", channel=channel, received_at=at)


def p1(rid: UUID, at: datetime) -> ev.RequestQualified:
    return ev.RequestQualified(
        request_id=rid,
        category="outage",
        profile="b2b",
        impact="critical",
        urgency="high",
        workaround="none",
        priority="p1",
        at=at,
    )


def first_response_events(sim: SlaSimulation) -> list[SlaWarning | SlaBreached]:
    return [e for e in sim.log if isinstance(e, (SlaWarning, SlaBreached)) and e.kind == "first_response"]


async def test_a_backdated_p3_chat_acknowledged_in_the_same_poll_records_its_breach() -> None:
    sim, rid = SlaSimulation(), uuid4()
    await sim.consume(T0, received(rid, T0 - timedelta(days=20)))
    await sim.consume(T0, ev.RequestAcknowledged(request_id=rid, at=T0))
    due = sim.deadlines(rid).first_response_due
    assert due is not None and due < T0 - timedelta(days=17)
    await sim.fire(T0 + GRACE)
    warning, breach = first_response_events(sim)
    assert isinstance(warning, SlaWarning) and isinstance(breach, SlaBreached)
    assert breach.due_at == due and breach.actual_at == T0
    assert breach.late_by_seconds == (T0 - due).total_seconds()
    assert warning.threshold_at < due
    await sim.consume(T0 + GRACE, ev.RequestAcknowledged(request_id=rid, at=T0))  # redelivered
    await sim.fire(T0 + 2 * GRACE)
    assert first_response_events(sim) == [warning, breach]


async def test_a_late_answer_consumed_while_catching_up_after_an_outage_records_the_breach() -> None:
    sim, rid = SlaSimulation(), uuid4()
    await sim.consume(T0, received(rid, T0, channel="phone"))
    await sim.consume(T0, p1(rid, T0))
    assert await sim.fire(T0 + timedelta(minutes=10)) == 0  # before the warning (24 min)
    answered = T0 + timedelta(hours=2)  # the service is down from 10 min to 3 h
    restart = T0 + timedelta(hours=3)
    await sim.consume(restart, ev.RequestAcknowledged(request_id=rid, at=answered))
    await sim.fire(restart + GRACE)
    warning, breach = first_response_events(sim)
    assert isinstance(breach, SlaBreached) and breach.due_at == T0 + timedelta(minutes=30)
    assert breach.actual_at == answered and breach.late_by_seconds == 90 * 60
    assert warning.due_at == breach.due_at


async def test_a_breach_fired_before_the_late_answer_is_not_emitted_again() -> None:
    sim, rid = SlaSimulation(), uuid4()
    await sim.consume(T0, received(rid, T0, channel="phone"))
    await sim.consume(T0, p1(rid, T0))
    await sim.fire(T0 + timedelta(minutes=31))
    await sim.consume(
        T0 + timedelta(hours=1), ev.RequestAcknowledged(request_id=rid, at=T0 + timedelta(hours=1))
    )
    await sim.fire(T0 + timedelta(hours=1) + GRACE)
    warning, breach = first_response_events(sim)
    assert isinstance(breach, SlaBreached) and breach.actual_at is None  # fired as it passed


async def test_an_answer_in_time_emits_nothing_for_the_thresholds_still_ahead() -> None:
    sim, rid = SlaSimulation(), uuid4()
    await sim.consume(T0, received(rid, T0, channel="phone"))
    await sim.consume(T0, p1(rid, T0))
    answered = T0 + timedelta(minutes=27)  # after the warning (24 min), before the due (30 min)
    later = T0 + timedelta(hours=1)  # consumed late, in one poll with nothing fired yet
    await sim.consume(later, ev.RequestAcknowledged(request_id=rid, at=answered))
    await sim.fire(later + GRACE)
    (warning,) = first_response_events(sim)
    assert isinstance(warning, SlaWarning)
    early = SlaSimulation()
    await early.consume(T0, received(rid, T0, channel="phone"))
    await early.consume(T0, p1(rid, T0))
    await early.consume(later, ev.RequestAcknowledged(request_id=rid, at=T0 + timedelta(minutes=5)))
    await early.fire(later + GRACE)
    assert first_response_events(early) == []


async def test_a_late_resolution_records_its_breach_even_when_reopened_in_the_same_poll() -> None:
    sim, rid = SlaSimulation(), uuid4()
    await sim.consume(T0, received(rid, T0, channel="phone"))
    await sim.consume(T0, p1(rid, T0))
    await sim.consume(T0, ev.RequestAcknowledged(request_id=rid, at=T0))
    resolved = T0 + timedelta(hours=6)  # P1: resolution due at 4 h
    await sim.consume(resolved, ev.RequestResolved(request_id=rid, resolution="done", at=resolved))
    await sim.consume(resolved, ev.RequestReopened(request_id=rid, reason="not fixed", at=resolved))
    await sim.fire(resolved + GRACE)
    breaches = [e for e in sim.log if isinstance(e, SlaBreached) and e.kind == "resolution"]
    assert [(b.due_at, b.actual_at) for b in breaches] == [(T0 + timedelta(hours=4), resolved)]


async def test_a_commitment_kept_late_records_its_breach() -> None:
    sim, rid, cid = SlaSimulation(), uuid4(), uuid4()
    await sim.consume(T0, received(rid, T0, channel="phone"))
    await sim.consume(T0, ev.RequestAcknowledged(request_id=rid, at=T0))
    promised = T0 + timedelta(hours=2)
    await sim.consume(
        T0,
        ev.CommitmentMade(
            request_id=rid, commitment_id=cid, deliverable="credit note", due_at=promised, made_at=T0
        ),
    )
    kept = promised + timedelta(minutes=15)
    await sim.consume(kept, ev.CommitmentFulfilled(request_id=rid, commitment_id=cid, at=kept))
    await sim.fire(kept + GRACE)
    breaches = [e for e in sim.log if isinstance(e, SlaBreached) and e.kind.startswith("commitment:")]
    assert [(b.due_at, b.late_by_seconds, b.deliverable) for b in breaches] == [
        (promised, 900.0, "credit note")
    ]
