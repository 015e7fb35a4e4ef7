"""The one-month deadline of a data-subject request (docs/domain.md §16.3), from retention's
events: its facts, and the warning and breach timers they call for.

Retention fixes the due date at receipt (``DataSubjectRequestReceived.due_at``: one calendar
month, the same day of the next month at the same time, or that month's last day) and moves
it once with ``DataSubjectRequestExtended``. The SLA clock takes those instants as facts and
keeps the rule that an extension counts only when it was decided and told to the person before
the first month ended, by one or two months, once: any other leaves the deadline where it was.
The warning comes a week before the due date, the breach at it; completing the request ends
both, and a completion that came after one of them records it (``settlement``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue import retention as r

from .clock import BREACH, WARNING, TimerSpec
from .instants import to_utc
from .settlement import passed_thresholds

DEADLINE = "data_subject_request"
"""The ``kind`` of the SLA events of a data-subject request (its ``request_id`` is retention's)."""
WARNING_BEFORE = timedelta(days=7)
MAX_EXTENSION_MONTHS = 2
RULE = (
    "one calendar month from receipt, extendable once by 1 or 2 months if the person is told "
    "before the first month ends; warned 7 days before (docs/domain.md §16.3)"
)
CONSUMED_EVENTS: tuple[type[DomainEvent], ...] = (
    r.DataSubjectRequestReceived,
    r.DataSubjectRequestExtended,
    r.DataSubjectRequestCompleted,
)


@dataclass(frozen=True)
class SubjectRequestFacts:
    request_id: UUID
    received_at: datetime
    first_due_at: datetime
    due_at: datetime
    extended_months: int = 0
    completed_at: datetime | None = None


def extension_counts(facts: SubjectRequestFacts, event: r.DataSubjectRequestExtended) -> bool:
    """Once, by 1 or 2 months, decided and told before the first month ended."""
    return (
        facts.extended_months == 0
        and 1 <= event.months <= MAX_EXTENSION_MONTHS
        and to_utc(event.at) < facts.first_due_at
        and to_utc(event.person_told_at) < facts.first_due_at
        and to_utc(event.due_at) > facts.first_due_at
    )


def evolve(facts: SubjectRequestFacts | None, event: DomainEvent) -> SubjectRequestFacts | None:
    """The facts after ``event``; None while the request's receipt is unknown."""
    if isinstance(event, r.DataSubjectRequestReceived):
        if facts is not None:
            return facts
        due = to_utc(event.due_at)
        return SubjectRequestFacts(event.request_id, to_utc(event.received_at), due, due)
    if facts is None or facts.completed_at is not None:
        return facts
    if isinstance(event, r.DataSubjectRequestExtended):
        if not extension_counts(facts, event):
            return facts
        return replace(facts, due_at=to_utc(event.due_at), extended_months=event.months)
    if isinstance(event, r.DataSubjectRequestCompleted):
        return replace(facts, completed_at=to_utc(event.at))
    return facts


def _explanation(facts: SubjectRequestFacts) -> dict[str, Any]:
    return {
        "basis": "calendar_month",
        "calendar": "24/7",
        "start": facts.received_at.isoformat(),
        "first_due_at": facts.first_due_at.isoformat(),
        "extended_months": facts.extended_months,
        "warning_at": (facts.due_at - WARNING_BEFORE).isoformat(),
        "rule": RULE,
    }


def deadline_timers(facts: SubjectRequestFacts) -> list[TimerSpec]:
    """The warning and breach of the current due date, whatever the completion."""
    why = _explanation(facts)
    return [
        TimerSpec(DEADLINE, WARNING, facts.due_at - WARNING_BEFORE, facts.due_at, why),
        TimerSpec(DEADLINE, BREACH, facts.due_at, facts.due_at, why),
    ]


def desired_timers(facts: SubjectRequestFacts) -> list[TimerSpec]:
    """Both thresholds while the request is open; once completed, those its completion came
    after (settled: they fire once, with when it was completed and how late)."""
    if facts.completed_at is None:
        return deadline_timers(facts)
    return passed_thresholds(deadline_timers(facts), facts.completed_at)
