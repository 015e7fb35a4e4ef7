"""The timers a request needs now: pure recomputation from its facts, the policy and calendars.

Every call recomputes everything from ``received_at`` (or the reopening) under the given
rules, so a priority or policy change simply yields other due instants; pause intervals are
measured in each target's basis. A timer is identified by ``(key, threshold, due_at)``: the
caller keeps those already armed, cancels the armed ones no longer wanted and arms the new
ones. A timer whose instant is past is still returned: it fires at once (catch-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from events.vocabulary import Channel, Priority

from .alerts import DEFAULT_ALERT_RULES, AlertKind, AlertRules
from .deadlines import Calendars, Deadline, DeadlineKind, PausedTime, RequestDeadlines, compute_deadlines
from .explanation import RULE, candidate_targets
from .policy import SlaPolicy
from .relances import (
    DEFAULT_RELANCE_RULES,
    NextRelance,
    RelanceAction,
    RelanceRules,
    next_collection_relance,
    next_informative_relance,
    next_relance,
    next_validation_relance,
)
from .request_state import Commitment, RequestState
from .thresholds import warning_share

WARNING, BREACH, ALERT, DUE = "warning", "breach", "alert", "due"
DEFAULT_PRIORITY = Priority.P3


@dataclass(frozen=True)
class ClockRules:
    policy: SlaPolicy
    calendars: Calendars
    calendar_name: str
    alerts: AlertRules = DEFAULT_ALERT_RULES
    relances: RelanceRules = DEFAULT_RELANCE_RULES


@dataclass(frozen=True)
class TimerSpec:
    key: str  # first_response | next_update | resolution | commitment:<id> | alert:<kind> | ...
    threshold: str  # warning | breach | alert | due
    fire_at: datetime
    due_at: datetime
    explanation: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def identity(self) -> tuple[str, str, datetime]:
        return (self.key, self.threshold, self.due_at)


def priority_of(state: RequestState) -> Priority:
    return Priority(state.priority) if state.priority else DEFAULT_PRIORITY


def channel_of(state: RequestState) -> Channel:
    try:
        return Channel(state.channel)
    except ValueError:  # an unknown channel sets no channel standard, like phone
        return Channel.PHONE


def paused_time(
    pauses: tuple[tuple[datetime, datetime], ...], since: datetime | None, calendars: Calendars
) -> PausedTime:
    """Pause intervals (clipped to start at ``since``) measured in both bases."""
    business = clock = timedelta(0)
    for start, end in pauses:
        start = max(start, since) if since else start
        if end > start:
            business += calendars.business.business_time_between(start, end)
            clock += end - start
    return PausedTime(business, clock)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _explain(deadline: Deadline, rules: ClockRules, state: RequestState) -> dict[str, Any]:
    return {
        "policy_version": rules.policy.version,
        "calendar": rules.calendar_name if deadline.target.basis.value == "business" else "24/7",
        "basis": deadline.target.basis.value,
        "target_seconds": deadline.target.duration.total_seconds(),
        "start": deadline.start.isoformat(),
        "paused_seconds": deadline.paused.total_seconds(),
        "pauses": [[a.isoformat(), b.isoformat()] for a, b in state.pauses],
        "priority": priority_of(state).label,
        "priority_assumed": state.priority is None,
        "channel": channel_of(state).value,
        "warning_at": deadline.warning_at.isoformat(),
        "candidates": _candidates(deadline, rules, state),
        "rule": RULE,
    }


def _candidates(deadline: Deadline, rules: ClockRules, state: RequestState) -> list[dict[str, Any]]:
    """Every target that competed for ``deadline``, counted from the same start and pauses."""
    if deadline.kind is DeadlineKind.FIRST_RESPONSE:
        start, paused = state.received_at, PausedTime()
    elif deadline.kind is DeadlineKind.RESOLUTION:
        start, paused = state.count_start, paused_time(state.pauses, None, rules.calendars)
    else:
        start = state.last_update_at or deadline.start
        paused = paused_time(state.pauses, state.last_update_at, rules.calendars)
    return candidate_targets(
        deadline,
        start,
        paused,
        priority_of(state),
        channel_of(state),
        rules.policy,
        rules.calendars,
        rules.calendar_name,
        state.profile,
        state.team,
    )


def deadline_timers(key: str, deadline: Deadline, rules: ClockRules, state: RequestState) -> list[TimerSpec]:
    why = _explain(deadline, rules, state)
    return [
        TimerSpec(key, WARNING, deadline.warning_at, deadline.due_at, why),
        TimerSpec(key, BREACH, deadline.due_at, deadline.due_at, why),
    ]


def deadlines_of(state: RequestState, rules: ClockRules) -> RequestDeadlines:
    """The SLA deadlines under ``rules``; the pause counts for resolution and updates only, and
    the first response always counts from receipt (even after a reopening)."""
    resolution_paused = paused_time(state.pauses, None, rules.calendars)
    update_paused = paused_time(state.pauses, state.last_update_at, rules.calendars)
    found = compute_deadlines(
        state.count_start,
        priority_of(state),
        channel_of(state),
        rules.policy,
        rules.calendars,
        resolution_paused,
        last_update_at=state.last_update_at,
        paused_since_last_update=update_paused,
        profile=state.profile,
        team=state.team,
    )
    if state.pauses or state.count_start != state.received_at:  # first response: from receipt
        unpaused = compute_deadlines(
            state.received_at,
            priority_of(state),
            channel_of(state),
            rules.policy,
            rules.calendars,
            profile=state.profile,
            team=state.team,
        )
        found = replace(found, first_response=unpaused.first_response)
    return found


def due_instants(state: RequestState, rules: ClockRules) -> tuple[datetime | None, datetime | None]:
    """(first response due, resolution due) for compliance; resolution is None while paused."""
    found = deadlines_of(state, rules)
    return found.first_response.due_at, None if state.paused_since else found.resolution.due_at


def _sla_timers(state: RequestState, rules: ClockRules, found: RequestDeadlines) -> list[TimerSpec]:
    timers: list[TimerSpec] = []
    # After a reopening the first response is history: only resolution counts again.
    if state.first_response_at is None and state.count_start == state.received_at:
        timers += deadline_timers("first_response", found.first_response, rules, state)
    if state.paused_since is None:
        if found.next_update is not None:
            timers += deadline_timers("next_update", found.next_update, rules, state)
        timers += deadline_timers("resolution", found.resolution, rules, state)
    return timers


def commitment_timers(c: Commitment) -> list[TimerSpec]:
    """The warning and breach of one commitment (clock time from when it was made)."""
    why = {"deliverable": c.deliverable, "made_at": c.made_at.isoformat(), "basis": "clock"}
    warn = c.made_at + warning_share(max(c.due_at - c.made_at, timedelta(0)))
    key = f"commitment:{c.commitment_id}"
    return [
        TimerSpec(key, WARNING, warn, c.due_at, why),
        TimerSpec(key, BREACH, c.due_at, c.due_at, why),
    ]


def _commitment_timers(state: RequestState) -> list[TimerSpec]:
    return [timer for c in state.open_commitments for timer in commitment_timers(c)]


def _alert(kind: AlertKind, since: datetime, after: timedelta, rules: AlertRules) -> TimerSpec:
    cal = rules.calendar
    due = since + after if cal is None else cal.add_business_time(since, after)
    return TimerSpec(f"alert:{kind.value}", ALERT, due, due, {"since": since.isoformat()})


def _alert_timers(state: RequestState, rules: AlertRules) -> list[TimerSpec]:
    timers = []
    if state.first_response_at is None:
        timers.append(_alert(AlertKind.NO_RESPONSE, state.received_at, rules.no_response_after, rules))
    if state.paused_since is None and state.last_activity_at is not None:
        timers.append(_alert(AlertKind.PENDING_TOO_LONG, state.last_activity_at, rules.pending_after, rules))
    if state.escalated_at is not None:
        timers.append(
            _alert(AlertKind.ESCALATION_NOT_TAKEN, state.escalated_at, rules.escalation_untaken_after, rules)
        )
    return timers


def _relance_timers(state: RequestState, rules: RelanceRules) -> list[TimerSpec]:
    if state.paused_since is None or state.customer_due_at is None:
        return []
    nxt = next_relance(state.customer_due_at, state.relances_sent, rules)
    why = {
        "customer_due_at": state.customer_due_at.isoformat(),
        "latest_at": nxt.latest_at.isoformat(),
        "relances_sent": [t.isoformat() for t in state.relances_sent],
    }
    key = {
        RelanceAction.FIRST_RELANCE: "relance:1",
        RelanceAction.SECOND_RELANCE: "relance:2",
        RelanceAction.ESCALATE_OR_CLOSE: "escalation",
    }[nxt.action]
    return [TimerSpec(key, DUE, nxt.due_at, nxt.due_at, why)]


COLLECTION_KEYS = {
    RelanceAction.FIRST_RELANCE: "collection:1",
    RelanceAction.SECOND_RELANCE: "collection:2",
    RelanceAction.ESCALATE_OR_CLOSE: "collection:escalation",
}


def _collection_timers(state: RequestState, rules: ClockRules) -> list[TimerSpec]:
    """The next collection relance while mandatory information is missing (relances module);
    none once nothing is missing (the caller also drops it once resolved or closed)."""
    if not state.missing_fields:
        return []
    sent = state.collection_relances_sent
    nxt: NextRelance = next_collection_relance(
        state.received_at, rules.calendars.business, sent, rules.relances
    )
    first = not sent
    why = {
        "relance_kind": "collection",
        "customer_due_at": state.received_at.isoformat(),
        "missing_fields": list(state.missing_fields),
        "latest_at": nxt.latest_at.isoformat(),
        "relances_sent": [t.isoformat() for t in sent],
        "basis": "business" if first else "clock",
        "calendar": rules.calendar_name if first else "24/7",
        "rule": "1 business day after reception (latest 2)"
        if first
        else "3-5 days after the first relance sent; escalate or close 10 days after it",
    }
    return [TimerSpec(COLLECTION_KEYS[nxt.action], DUE, nxt.due_at, nxt.due_at, why)]


INFORMATIVE_KEYS = {
    RelanceAction.FIRST_RELANCE: "informative:1",
    RelanceAction.SECOND_RELANCE: "informative:2",
}
VALIDATION_KEYS = {
    RelanceAction.FIRST_RELANCE: "validation:1",
    RelanceAction.SECOND_RELANCE: "validation:2",
    RelanceAction.ESCALATE_OR_CLOSE: "validation:escalation",
}


def _informative_timers(state: RequestState, rules: ClockRules, found: RequestDeadlines) -> list[TimerSpec]:
    """Progress news once the resolution deadline has passed, while the request is open and
    not waiting on the customer (relances module); none after the second was sent."""
    if state.paused_since is not None:
        return []
    due = found.resolution.due_at
    sent = state.informative_relances_sent
    nxt = next_informative_relance(due, rules.calendars.business, sent, rules.relances)
    if nxt is None:
        return []
    why = {
        "relance_kind": "informative",
        "customer_due_at": due.isoformat(),
        "latest_at": nxt.latest_at.isoformat(),
        "relances_sent": [t.isoformat() for t in sent],
        "rule": "at the resolution deadline passed (latest 1 business day after); "
        "the second 3-5 days after the first sent; then the agent's delay notice",
    }
    return [TimerSpec(INFORMATIVE_KEYS[nxt.action], DUE, nxt.due_at, nxt.due_at, why)]


def _validation_timers(state: RequestState, rules: ClockRules) -> list[TimerSpec]:
    """Have the customer confirm the resolution before closing (relances module), until they
    answer after it."""
    if state.resolved_at is None or state.answered_resolution_at is not None:
        return []
    sent = state.validation_relances_sent
    nxt = next_validation_relance(state.resolved_at, rules.calendars.business, sent, rules.relances)
    why = {
        "relance_kind": "validation",
        "customer_due_at": state.resolved_at.isoformat(),
        "latest_at": nxt.latest_at.isoformat(),
        "relances_sent": [t.isoformat() for t in sent],
        "rule": "2 business days after the resolution (latest 3); the second 3-5 days after the "
        "first sent; escalate or close 10 days after the resolution",
    }
    return [TimerSpec(VALIDATION_KEYS[nxt.action], DUE, nxt.due_at, nxt.due_at, why)]


def desired_timers(state: RequestState, rules: ClockRules) -> list[TimerSpec]:
    """Every timer the request needs now (none once closed), in fire order."""
    if state.status == "closed":
        return []
    timers = _relance_timers(state, rules.relances)
    if state.resolved_at is None:
        timers += _collection_timers(state, rules)
        found = deadlines_of(state, rules)
        timers += _sla_timers(state, rules, found) + _commitment_timers(state)
        timers += _alert_timers(state, rules.alerts)
        timers += _informative_timers(state, rules, found)
    else:
        timers += _validation_timers(state, rules)
    return sorted(timers, key=lambda t: (t.fire_at, t.key, t.threshold))
