"""Due times of circuit steps on the business calendar, reminders before them, escalation at them.

Each open step has a due time counted in business time (``events.calendar``, the calendar
the SLA clock uses) from the moment it opened, and a reminder time before it. At the due
time the step escalates to the next authority, and is due again a full period later. Only
levels 2 and 3 have steps (level 1 is the author's own validation, which never waits), and
they are never decided on a timeout (docs/domain.md §12.3): the rules hold no timeout
action at all, so none can make a step approve, reject or expire by itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from uuid import UUID

from approvals.domain.errors import InvalidRules
from events.calendar import BusinessCalendar
from events.catalogue import DomainEvent
from events.catalogue import approvals as ev

__all__ = [
    "DEFAULT_DEADLINE_RULES",
    "DeadlineRules",
    "OpenStep",
    "StepTimeout",
    "check_deadline_rules",
    "open_step",
    "step_events",
]


@dataclass(frozen=True, slots=True)
class StepTimeout:
    """A step decided at ``level`` is due ``decide_within`` business time after it opens;
    its approvers are reminded ``remind_before`` (business time) earlier; at the due time it
    escalates to ``escalate_to_level`` (and the named ``escalate_to``, if any)."""

    level: int
    decide_within: timedelta
    remind_before: timedelta
    escalate_to_level: int = 3
    escalate_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadlineRules:
    calendar: BusinessCalendar
    timeouts: tuple[StepTimeout, ...]
    by_level: Mapping[int, StepTimeout] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_level", {timeout.level: timeout for timeout in self.timeouts})

    def timeout(self, level: int) -> StepTimeout:
        try:
            return self.by_level[level]
        except KeyError:
            raise InvalidRules(f"no due time is set for level {level}", "timeouts") from None


def check_deadline_rules(rules: DeadlineRules) -> DeadlineRules:
    """``rules`` if levels 2 and 3 each have a positive due time, a reminder before it, and
    escalate to the same level or above; :class:`InvalidRules` naming the fault."""
    if len(rules.by_level) != len(rules.timeouts):
        raise InvalidRules("a level is listed twice", "timeouts")
    if set(rules.by_level) != {2, 3}:
        raise InvalidRules("due times are set for levels 2 and 3 (level 1 never waits)", "timeouts")
    for level in (2, 3):
        timeout = rules.timeout(level)
        if timeout.decide_within <= timedelta(0):
            raise InvalidRules(f"level {level}: decide_within is a positive duration", "timeouts")
        if not timedelta(0) <= timeout.remind_before < timeout.decide_within:
            raise InvalidRules(f"level {level}: remind_before is shorter than decide_within", "timeouts")
        if not level <= timeout.escalate_to_level <= 3:
            raise InvalidRules(f"level {level}: escalation goes to a level from {level} to 3", "timeouts")
    return rules


DEFAULT_DEADLINE_RULES = check_deadline_rules(
    DeadlineRules(
        calendar=BusinessCalendar(),
        timeouts=(
            StepTimeout(2, timedelta(hours=7), timedelta(hours=2), escalate_to_level=3),
            StepTimeout(3, timedelta(hours=14), timedelta(hours=3, minutes=30), escalate_to_level=3),
        ),
    )
)
"""A business day (7 h on the default calendar) at level 2, two at level 3; reminders 2 h
(3 h 30 at level 3) before; level 2 escalates to level 3, level 3 to another director or legal."""


@dataclass(frozen=True, slots=True)
class OpenStep:
    """A circuit step waiting for decisions, as the deadline worker sees it."""

    approval_id: UUID
    request_id: UUID
    step: int
    level: int
    approvers: tuple[str, ...]
    due_at: datetime
    remind_at: datetime
    reminded: bool = False
    escalations: int = 0


def _schedule(rules: DeadlineRules, level: int, opened_at: datetime) -> tuple[datetime, datetime]:
    timeout = rules.timeout(level)
    due_at = rules.calendar.add_business_time(opened_at, timeout.decide_within)
    remind_at = rules.calendar.add_business_time(opened_at, timeout.decide_within - timeout.remind_before)
    return due_at, remind_at


def open_step(
    approval_id: UUID,
    request_id: UUID,
    step: int,
    level: int,
    approvers: tuple[str, ...],
    opened_at: datetime,
    rules: DeadlineRules,
    due_at: datetime | None = None,
) -> OpenStep:
    """The step as it opens at ``opened_at``: due per the rules of its level, or at the
    circuit's own ``due_at`` when the circuit sets one (reminded as long before it)."""
    scheduled_due, remind_at = _schedule(rules, level, opened_at)
    if due_at is not None:
        lead = rules.timeout(level).remind_before
        scheduled_due, remind_at = due_at, max(opened_at, due_at - lead)
    return OpenStep(approval_id, request_id, step, level, approvers, scheduled_due, remind_at)


def step_events(
    step: OpenStep, rules: DeadlineRules, now: datetime, substitutes: tuple[str, ...] = ()
) -> tuple[tuple[DomainEvent, ...], OpenStep]:
    """What is due for ``step`` at ``now``: the events to record and the step afterwards. At
    the due time ``ApprovalEscalated`` (the step, at its new level, due again a full period
    later); before it, once, ``ApprovalReminderDue``, addressed to the step's approvers and to
    ``substitutes`` (those standing in for them now: a substitute is told, too). Never a
    decision."""
    timeout = rules.timeout(step.level)
    if now >= step.due_at:
        to_level = timeout.escalate_to_level
        next_due, remind_at = _schedule(rules, to_level, now)
        escalated = ev.ApprovalEscalated(
            approval_id=step.approval_id,
            request_id=step.request_id,
            step=step.step,
            from_level=step.level,
            to_level=to_level,
            to_approvers=timeout.escalate_to,
            due_at=step.due_at,
            next_due_at=next_due,
            reason=f"step {step.step} was not decided by its due time",
            escalated_at=now,
        )
        after = replace(
            step,
            level=to_level,
            approvers=timeout.escalate_to,
            due_at=next_due,
            remind_at=remind_at,
            reminded=False,
            escalations=step.escalations + 1,
        )
        return (escalated,), after
    if now >= step.remind_at and not step.reminded:
        reminder = ev.ApprovalReminderDue(
            approval_id=step.approval_id,
            request_id=step.request_id,
            step=step.step,
            level=step.level,
            approvers=step.approvers + tuple(p for p in substitutes if p not in step.approvers),
            due_at=step.due_at,
            emitted_at=now,
        )
        return (reminder,), replace(step, reminded=True)
    return (), step
