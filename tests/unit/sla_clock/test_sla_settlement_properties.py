"""Property: whatever the order and timing in which the consumer handles a request's facts and
the scheduler fires its timers, the warnings and breaches in the log are the same, each once,
and the breaches are exactly the deadlines the KPIs count as missed (docs/domain.md §6.5).

The model of the outside world: each fact is published when it happens (the reception may be
backdated: recorded at ``T0`` for an earlier instant); the consumer handles the facts in order,
each at or after its publication, with any lag (an outage); the scheduler runs at any instants
and fires a due timer only once the consumer has handled every fact published before the
timer's instant and its arming (what the catch-up wait and the grace after arming ensure).

Left out of the model: pauses (a pause that begins after a deadline passed still moves that
deadline, §6.4, so a breach fired before the pause is not the one computed after it) and
priority changes after reception (each priority has its own due instants)."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

from sla_simulation import T0, SlaSimulation

from events.catalogue import DomainEvent
from events.catalogue import intake as ev
from sla_clock.domain.request_record import RequestRecord, facts_of

MINUTE = timedelta(minutes=1)
DAY_MINUTES = 24 * 60
RID = UUID(int=11)
COMMITMENT = UUID(int=12)


@dataclass(frozen=True)
class Fact:
    published: datetime
    event: DomainEvent


@dataclass(frozen=True)
class Timing:
    consumed: list[datetime]  # when the consumer handles each fact, in order
    runs: list[datetime]  # when the scheduler runs
    eager: bool  # the scheduler also runs right before each fact is handled


def _minutes(draw: st.DrawFn, high: int, low: int = 0) -> timedelta:
    return MINUTE * draw(st.integers(low, high))


@st.composite
def histories(draw: st.DrawFn) -> list[Fact]:
    """Reception (maybe backdated), maybe a qualification, an acknowledgement, status updates,
    maybe a commitment kept, then the resolution."""
    channel = draw(st.sampled_from(["chat", "email", "phone", "letter", "web_form"]))
    backdate = draw(
        st.one_of(st.just(timedelta(0)), st.builds(lambda m: m * MINUTE, st.integers(0, 25 * DAY_MINUTES)))
    )
    facts = [
        Fact(
            T0,
            ev.RequestReceived(request_id=RID, reference="R-11", channel=channel, received_at=T0 - backdate),
        )
    ]
    priority = draw(st.sampled_from([None, "p1", "p2", "p3"]))
    if priority is not None:
        facts.append(
            Fact(
                T0,
                ev.RequestQualified(
                    request_id=RID,
                    category="billing",
                    profile="b2c",
                    impact="low",
                    urgency="low",
                    workaround="yes",
                    priority=priority,
                    at=T0,
                ),
            )
        )
    at = T0 + _minutes(draw, 3 * DAY_MINUTES)
    facts.append(Fact(at, ev.RequestAcknowledged(request_id=RID, at=at)))
    promised = draw(st.booleans())
    made = at
    for n in range(draw(st.integers(0, 3))):
        at += _minutes(draw, 3 * DAY_MINUTES, low=1)
        facts.append(
            Fact(
                at,
                ev.InteractionRecorded(
                    request_id=RID,
                    interaction_id=UUID(int=100 + n),
                    channel="email",
                    direction="outbound",
                    subject="Suivi de votre demande",
                    summary="status",
                    occurred_at=at,
                    informs_customer=True,
                ),
            )
        )
    resolved = at + _minutes(draw, 10 * DAY_MINUTES, low=2)
    if promised:
        due = made + _minutes(draw, 5 * DAY_MINUTES, low=1)
        kept = made + (resolved - made) * draw(st.integers(1, 99)) / 100
        facts += [
            Fact(
                made,
                ev.CommitmentMade(
                    request_id=RID,
                    commitment_id=COMMITMENT,
                    deliverable="credit note",
                    due_at=due,
                    made_at=made,
                ),
            ),
            Fact(kept, ev.CommitmentFulfilled(request_id=RID, commitment_id=COMMITMENT, at=kept)),
        ]
    facts.append(Fact(resolved, ev.RequestResolved(request_id=RID, resolution="done", at=resolved)))
    return sorted(facts, key=lambda fact: fact.published)  # stable: reception first at T0


@st.composite
def timings(draw: st.DrawFn, facts: list[Fact]) -> Timing:
    lag = st.one_of(st.just(0), st.integers(0, 120), st.integers(0, 3 * DAY_MINUTES))
    consumed: list[datetime] = []
    for fact in facts:
        start = max(consumed[-1], fact.published) if consumed else fact.published
        consumed.append(start + MINUTE * draw(lag))
    span = int((consumed[-1] - T0) / MINUTE) + 1
    runs = [T0 + MINUTE * m for m in draw(st.lists(st.integers(-25 * DAY_MINUTES, span), max_size=15))]
    return Timing(consumed, sorted(runs), draw(st.booleans()))


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[Fact], Timing]:
    facts = draw(histories())
    return facts, draw(timings(facts))


async def _replay(facts: list[Fact], timing: Timing) -> SlaSimulation:
    sim = SlaSimulation()
    runs = list(timing.runs)
    for fact, at in zip(facts, timing.consumed, strict=True):
        while runs and runs[0] <= at:
            await sim.fire(runs.pop(0), armed_before=fact.published)
        if timing.eager:
            await sim.fire(at, armed_before=fact.published)
        await sim.consume(at, fact.event)
    for run in runs:
        await sim.fire(run)
    await sim.fire(_end(facts, timing))
    return sim


def _end(facts: list[Fact], timing: Timing) -> datetime:
    return max(timing.consumed[-1], facts[-1].published) + timedelta(days=60)


async def _one_poll(facts: list[Fact], end: datetime) -> SlaSimulation:
    """The reference: everything handled at once after a long outage, then fired."""
    sim = SlaSimulation()
    for fact in facts:
        await sim.consume(end, fact.event)
    await sim.fire(end)
    return sim


def _kpi_misses(sim: SlaSimulation, now: datetime) -> set[str]:
    state, due = sim.state(RID), sim.deadlines(RID)
    record = RequestRecord(
        request_id=RID,
        reference=state.reference,
        received_at=state.received_at,
        channel=state.channel,
        priority=state.priority,
        team=state.team,
        status=state.status,
        first_response_at=state.first_response_at,
        first_response_due=due.first_response_due,
        resolved_at=state.resolved_at,
        resolution_due=due.resolution_due,
        closed_at=state.closed_at,
        reopened_count=state.reopened_count,
        escalated=state.escalated,
        first_contact=state.first_contact,
        interactions=state.interactions,
        csat=state.csat,
        nps=state.nps,
    )
    facts = facts_of(record, now)
    met = {"first_response": facts.first_response_sla_met, "resolution": facts.resolution_sla_met}
    return {kind for kind, ok in met.items() if ok is False}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_warnings_and_breaches_do_not_depend_on_order_or_timing(scenario: tuple[list[Fact], Timing]) -> None:
    facts, timing = scenario
    end = _end(facts, timing)
    replayed = asyncio.run(_replay(facts, timing))
    reference = asyncio.run(_one_poll(facts, end))
    emitted = Counter(replayed.thresholds())
    assert all(count == 1 for count in emitted.values()), emitted
    assert sorted(emitted) == sorted(reference.thresholds())
    breached = {kind for name, kind, _ in emitted if name == "SlaBreached"}
    assert breached & {"first_response", "resolution"} == _kpi_misses(replayed, end)
