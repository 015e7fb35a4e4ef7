"""Operational alerts (docs/domain.md §7.1): no response in 4 h, pending 24 h, escalation untaken 1 h.

Each rule gives the instant its alert becomes due (raised when ``now >= due``), or None when
the condition was cleared at or before that instant: such an alert is never raised. Durations
are clock time unless a BusinessCalendar is given, in which case they count business time (an
organisation may not want a "no response" alert to fire at 3 a.m.). ``active_alerts`` tells
which alerts are raised at a given ``now``. Few alerts, by design: noise gets ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from .business_calendar import BusinessCalendar
from .instants import to_utc


class AlertKind(StrEnum):
    NO_RESPONSE = "no_response"
    PENDING_TOO_LONG = "pending_too_long"
    ESCALATION_NOT_TAKEN = "escalation_not_taken"


@dataclass(frozen=True)
class AlertRules:
    no_response_after: timedelta = timedelta(hours=4)
    pending_after: timedelta = timedelta(hours=24)
    escalation_untaken_after: timedelta = timedelta(hours=1)
    calendar: BusinessCalendar | None = None  # None: clock time


DEFAULT_ALERT_RULES = AlertRules()


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    due_at: datetime  # UTC


def _due(
    since: datetime, after: timedelta, cleared_at: datetime | None, rules: AlertRules
) -> datetime | None:
    calendar = rules.calendar
    # Added in UTC: Python adds to an aware datetime in wall-clock time, blind to DST.
    due = to_utc(since) + after if calendar is None else calendar.add_business_time(since, after)
    return None if cleared_at is not None and to_utc(cleared_at) <= due else due


def no_response_alert_at(
    received_at: datetime,
    first_response_at: datetime | None = None,
    rules: AlertRules = DEFAULT_ALERT_RULES,
) -> datetime | None:
    return _due(received_at, rules.no_response_after, first_response_at, rules)


def pending_alert_at(
    pending_since: datetime,
    pending_ended_at: datetime | None = None,
    rules: AlertRules = DEFAULT_ALERT_RULES,
) -> datetime | None:
    return _due(pending_since, rules.pending_after, pending_ended_at, rules)


def escalation_alert_at(
    escalated_at: datetime,
    taken_at: datetime | None = None,
    rules: AlertRules = DEFAULT_ALERT_RULES,
) -> datetime | None:
    return _due(escalated_at, rules.escalation_untaken_after, taken_at, rules)


@dataclass(frozen=True)
class AlertFacts:
    """What the alert rules need to know about one request, as of some instant."""

    received_at: datetime
    first_response_at: datetime | None = None
    pending_since: datetime | None = None  # None: not pending now
    escalated_at: datetime | None = None  # None: not escalated, or escalation taken
    escalation_taken_at: datetime | None = None


def active_alerts(
    facts: AlertFacts, now: datetime, rules: AlertRules = DEFAULT_ALERT_RULES
) -> tuple[Alert, ...]:
    """Alerts raised and not yet cleared at ``now``; facts dated after ``now`` are ignored."""
    now = to_utc(now)

    def open_at_now(cleared_at: datetime | None) -> bool:
        return cleared_at is None or to_utc(cleared_at) > now

    candidates: list[tuple[AlertKind, datetime | None]] = []
    if open_at_now(facts.first_response_at):
        due = no_response_alert_at(facts.received_at, None, rules)
        candidates.append((AlertKind.NO_RESPONSE, due))
    if facts.pending_since is not None:
        due = pending_alert_at(facts.pending_since, None, rules)
        candidates.append((AlertKind.PENDING_TOO_LONG, due))
    if facts.escalated_at is not None and open_at_now(facts.escalation_taken_at):
        due = escalation_alert_at(facts.escalated_at, None, rules)
        candidates.append((AlertKind.ESCALATION_NOT_TAKEN, due))
    return tuple(Alert(kind, due) for kind, due in candidates if due is not None and due <= now)
