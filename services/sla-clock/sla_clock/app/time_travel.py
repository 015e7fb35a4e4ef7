"""Deadlines as of a past instant ("why was it breached?"): the facts the SLA clock had recorded
by then, replayed through the projection's timer computation (``desired_timers``, the
thresholds the facts settled, ``merged_timers``) under the rules in force at each fact.

The timers are kept in memory by the rules of ``TimerStore.sync``: an armed timer no longer
wanted is cancelled unless the facts settled it; a settled one that was cancelled is armed
again; a fired one never fires again for its due instant. A timer counts as fired from the
moment its SLA event (warning, breach, alert, relance or escalation due) was recorded: what
the service had emitted by then, whatever the scheduler's lag.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from events.catalogue.sla_clock import CalendarDefined, SlaPolicyDefined
from events.envelope import Envelope
from sla_clock.app.errors import RequestNotSeen
from sla_clock.app.projection import merged_timers
from sla_clock.app.rules import rules_from
from sla_clock.app.views import SUPERSEDED, RequestExplained
from sla_clock.domain.clock import ALERT, BREACH, DUE, WARNING, ClockRules, TimerSpec, desired_timers
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.settlement import settled_by_facts, settled_timers
from sla_clock.domain.timers import ARMED, CANCELLED, FIRED, TimerRecord, deadlines_of

Identity = tuple[str, str, datetime]
FactHistory = Sequence[tuple[datetime, RequestState]]


def rules_as_of(
    calendars: Sequence[CalendarDefined], policies: Sequence[SlaPolicyDefined]
) -> Callable[[datetime], ClockRules]:
    def at(instant: datetime) -> ClockRules:
        return rules_from(calendars, policies, instant).clock_rules()

    return at


@dataclass(frozen=True)
class Emitted:
    """An SLA event as recorded: which timer it came from (a relance or escalation by its
    threshold and due instant only), when it was recorded and the instant it states."""

    recorded_at: datetime
    key: str | None
    threshold: str
    due_at: datetime
    emitted_at: datetime

    def matches(self, timer: TimerRecord) -> bool:
        return (
            timer.threshold == self.threshold
            and timer.due_at == self.due_at
            and (self.key is None or timer.key == self.key)
        )


_THRESHOLDS = {"SlaWarning": WARNING, "SlaBreached": BREACH, "SlaAlertRaised": ALERT}


def emitted(envelopes: Sequence[Envelope]) -> list[Emitted]:
    """The SLA events of a request, as the timers they fired."""
    found = []
    for envelope in envelopes:
        name, data = envelope.type.rsplit(".", 1)[-1], envelope.data
        if envelope.recorded_at is None or "due_at" not in data:
            continue
        threshold = _THRESHOLDS.get(name, DUE)
        key = (
            f"alert:{data['alert']}" if threshold == ALERT else data.get("kind") if threshold != DUE else None
        )
        found.append(
            Emitted(
                envelope.recorded_at,
                key,
                threshold,
                datetime.fromisoformat(data["due_at"]),
                datetime.fromisoformat(data["emitted_at"]),
            )
        )
    return found


def replay_timers(
    request_id: UUID,
    history: FactHistory,
    rules_at: Callable[[datetime], ClockRules],
    fired: Sequence[Emitted],
    as_of: datetime,
) -> list[TimerRecord]:
    """The request's timers as they stood at ``as_of``, in fire order."""
    timers: dict[Identity, TimerRecord] = {}
    before: RequestState | None = None
    for recorded_at, state in history:
        _fire(timers, fired, recorded_at)
        rules = rules_at(recorded_at)
        _sync(
            timers,
            request_id,
            merged_timers(desired_timers(state, rules), settled_timers(before, state, rules)),
        )
        before = state
    _fire(timers, fired, as_of)
    return sorted(timers.values(), key=lambda t: t.fire_at)


def _fire(timers: dict[Identity, TimerRecord], fired: Sequence[Emitted], until: datetime) -> None:
    """Armed timers whose SLA event was recorded by ``until`` fired (as that event states)."""
    for event in fired:
        if event.recorded_at > until:
            continue
        for identity, timer in timers.items():
            if timer.state == ARMED and event.matches(timer):
                timers[identity] = replace(timer, state=FIRED, emitted_at=event.emitted_at)
                break


def _sync(timers: dict[Identity, TimerRecord], request_id: UUID, wanted: list[TimerSpec]) -> None:
    identities = {spec.identity for spec in wanted}
    for identity, timer in timers.items():
        if timer.state == ARMED and identity not in identities and not settled_by_facts(timer.explanation):
            timers[identity] = replace(timer, state=CANCELLED)
    for spec in wanted:
        current = timers.get(spec.identity)
        armed = TimerRecord(
            request_id, spec.key, spec.threshold, spec.fire_at, spec.due_at, ARMED, spec.explanation, None
        )
        if current is None or (current.state == CANCELLED and settled_by_facts(spec.explanation)):
            timers[spec.identity] = armed
        elif current.state == ARMED and _refreshed(current.explanation, spec.explanation):
            timers[spec.identity] = replace(current, explanation=spec.explanation)


def _refreshed(stored: dict[str, object], wanted: dict[str, object]) -> bool:
    return stored != wanted and (settled_by_facts(wanted) or not settled_by_facts(stored))


def explain_as_of(
    history: FactHistory,
    request_id: UUID,
    rules_at: Callable[[datetime], ClockRules],
    sla_events: Sequence[Envelope],
    as_of: datetime,
    show_superseded: bool = False,
) -> RequestExplained:
    """The request's deadlines and their explanations as the SLA clock had them at ``as_of``."""
    if not history:
        raise RequestNotSeen(request_id)
    known = [e for e in sla_events if e.recorded_at is not None and e.recorded_at <= as_of]
    timers = replay_timers(request_id, history, rules_at, emitted(known), as_of)
    deadlines = [d for d in deadlines_of(timers) if show_superseded or d.status != SUPERSEDED]
    return RequestExplained(history[-1][1], deadlines, known)
