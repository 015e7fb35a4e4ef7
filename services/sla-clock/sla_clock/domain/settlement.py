"""Thresholds settled by the facts (docs/domain.md §6.5): a deadline's outcome follows from when
the fact that ended it came, not from whether its timer fired first.

One event may fulfil a deadline: the first response, the next status update (the resolution
also counts as one: the customer is told), the resolution, a commitment kept. Each threshold
of that deadline whose instant came *before* the ending fact was passed: it is returned as a
timer with the identity of the one that would have fired (so one already fired is never fired
again), due at once, its explanation carrying the instant of the fact (``actual_at``) and, for
the breach, how late it came (``late_by_seconds``). A fact at or before a threshold's instant
met it: nothing is returned for it. The timer store keeps such a timer until it fires, even
when later facts no longer want it, and re-arms one cancelled under the same identity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from .clock import BREACH, ClockRules, TimerSpec, commitment_timers, deadline_timers, deadlines_of
from .request_state import RequestState

ACTUAL_AT = "actual_at"
LATE_BY = "late_by_seconds"


def settled_by_facts(explanation: Mapping[str, Any]) -> bool:
    """True for a timer the facts settled: it fires whatever the request's later facts."""
    return ACTUAL_AT in explanation


def passed_thresholds(timers: list[TimerSpec], ended_at: datetime) -> list[TimerSpec]:
    """The thresholds among ``timers`` whose instant came before ``ended_at``, as settled."""
    passed = []
    for timer in timers:
        if timer.fire_at < ended_at:
            why = {**timer.explanation, ACTUAL_AT: ended_at.isoformat()}
            if timer.threshold == BREACH:
                why[LATE_BY] = (ended_at - timer.due_at).total_seconds()
            passed.append(replace(timer, explanation=why))
    return passed


def _counted_until(state: RequestState, at: datetime) -> RequestState:
    """``state`` with its open pause, if any, closed at ``at``."""
    if state.paused_since is None:
        return state
    pause = (state.paused_since, max(at, state.paused_since))
    return replace(state, pauses=state.pauses + (pause,), paused_since=None)


def _first_response(before: RequestState, after: RequestState, rules: ClockRules) -> list[TimerSpec]:
    if before.first_response_at is not None:
        return []
    ended = after.first_response_at
    if ended is None:
        return []
    deadline = deadlines_of(before, rules).first_response
    return passed_thresholds(deadline_timers("first_response", deadline, rules, before), ended)


def _next_update(before: RequestState, after: RequestState, rules: ClockRules) -> list[TimerSpec]:
    if before.last_update_at is None or before.resolved_at is not None:
        return []
    updated = after.last_update_at != before.last_update_at
    ended = after.last_update_at if updated else after.resolved_at
    if ended is None:
        return []
    counted = _counted_until(replace(after, last_update_at=before.last_update_at), ended)
    deadline = deadlines_of(counted, rules).next_update
    if deadline is None:
        return []
    return passed_thresholds(deadline_timers("next_update", deadline, rules, counted), ended)


def _resolution(before: RequestState, after: RequestState, rules: ClockRules) -> list[TimerSpec]:
    if before.resolved_at is not None or after.resolved_at is None:
        return []
    deadline = deadlines_of(after, rules).resolution
    return passed_thresholds(deadline_timers("resolution", deadline, rules, after), after.resolved_at)


def _commitments(before: RequestState, after: RequestState) -> list[TimerSpec]:
    now_known = {c.commitment_id: c for c in after.commitments}
    settled = []
    for made in before.open_commitments:
        current = now_known.get(made.commitment_id)
        if current is None or current.due_at != made.due_at:
            continue
        if current.fulfilled_at is not None:
            settled += passed_thresholds(commitment_timers(made), current.fulfilled_at)
    return settled


def settled_timers(before: RequestState | None, after: RequestState, rules: ClockRules) -> list[TimerSpec]:
    """The thresholds the step from ``before`` to ``after`` (one event) settled as passed."""
    if before is None or before.status == "closed":
        return []
    return (
        _first_response(before, after, rules)
        + _next_update(before, after, rules)
        + _resolution(before, after, rules)
        + _commitments(before, after)
    )
