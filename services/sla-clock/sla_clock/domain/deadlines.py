"""Deadlines of a request (first response, next update, resolution) and their 80 %/100 % marks.

Rules callers may rely on:

* A target counts on the calendar of its basis: business targets on the organisation's
  calendar, clock targets on the 24/7 one.
* Counts for first response and resolution start at ``received_at``; for business targets,
  when the policy says so, at the calendar's ``effective_start`` (cut-off). Clock targets never
  honour the cut-off: a P1 received at 16:10 is still due at 16:40.
* Pauses (e.g. awaiting the customer) extend a count: due = start + (target + paused), where
  ``paused`` is the time paused *measured in the target's basis* (a pause over a weekend is
  0 business time but 48 clock hours). The caller measures it, typically with
  ``business_time_between`` over each pause interval.
* Warning = start + (80 % of the target + paused): 80 % of the active time, same basis.
* When a channel standard and the priority target both apply, the earlier due instant wins
  (ties go to the priority target).
* The next update is due one cadence after the last update sent (the first response counts
  as an update); before any update there is no next-update deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from events.vocabulary import Channel, Priority

from .business_calendar import BusinessCalendar
from .instants import to_utc
from .policy import SlaPolicy, Target, TimeBasis
from .targets import targets_for
from .thresholds import ThresholdKind as ThresholdKind  # re-exported with the deadline
from .thresholds import crossed_thresholds as crossed_thresholds
from .thresholds import thresholds as thresholds
from .thresholds import warning_share

_ZERO = timedelta(0)


class DeadlineKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class Calendars:
    business: BusinessCalendar
    clock: BusinessCalendar = field(default_factory=BusinessCalendar.always_open)

    def for_basis(self, basis: TimeBasis) -> BusinessCalendar:
        return self.business if basis is TimeBasis.BUSINESS else self.clock


@dataclass(frozen=True)
class PausedTime:
    """Time a count was paused, measured in both bases so that any target can use it."""

    business: timedelta = _ZERO
    clock: timedelta = _ZERO

    def in_basis(self, basis: TimeBasis) -> timedelta:
        return self.business if basis is TimeBasis.BUSINESS else self.clock


@dataclass(frozen=True)
class Deadline:
    kind: DeadlineKind
    target: Target
    start: datetime  # where the count starts (after cut-off), UTC
    paused: timedelta  # in the target's basis
    warning_at: datetime
    due_at: datetime


@dataclass(frozen=True)
class RequestDeadlines:
    first_response: Deadline
    next_update: Deadline | None
    resolution: Deadline


def deadline_for(
    kind: DeadlineKind,
    target: Target,
    start: datetime,
    calendars: Calendars,
    paused: PausedTime = PausedTime(),
    *,
    apply_cutoff: bool = False,
) -> Deadline:
    """Deadline for one target counted from ``start`` (cut-off only for business targets)."""
    calendar = calendars.for_basis(target.basis)
    use_cutoff = apply_cutoff and target.basis is TimeBasis.BUSINESS
    begin = calendar.effective_start(start) if use_cutoff else to_utc(start)
    pause = paused.in_basis(target.basis)
    if pause < _ZERO:
        raise ValueError(f"paused time must not be negative, got {pause}")
    warning = warning_share(target.duration)
    return Deadline(
        kind,
        target,
        begin,
        pause,
        warning_at=calendar.add_business_time(begin, warning + pause),
        due_at=calendar.add_business_time(begin, target.duration + pause),
    )


def earliest_deadline(
    kind: DeadlineKind,
    targets: Iterable[Target | None],
    start: datetime,
    calendars: Calendars,
    paused: PausedTime = PausedTime(),
    *,
    apply_cutoff: bool = False,
) -> Deadline:
    """The deadline with the earliest due instant among the given targets (None skipped)."""
    found = [
        deadline_for(kind, t, start, calendars, paused, apply_cutoff=apply_cutoff)
        for t in targets
        if t is not None
    ]
    if not found:
        raise ValueError("no target given")
    return min(found, key=lambda d: d.due_at)  # min keeps the first of equals


def compute_deadlines(
    received_at: datetime,
    priority: Priority,
    channel: Channel,
    policy: SlaPolicy,
    calendars: Calendars,
    paused: PausedTime = PausedTime(),
    *,
    last_update_at: datetime | None = None,
    paused_since_last_update: PausedTime = PausedTime(),
    profile: str | None = None,
    team: str | None = None,
    contract: str | None = None,
) -> RequestDeadlines:
    """All deadlines of a request; ``paused`` is the pause accumulated since receipt."""
    targets = targets_for(policy, priority, channel, profile, team, contract)
    cutoff = targets.apply_cutoff
    first = (targets.first_response, targets.channel_first_response)
    resolution = (targets.resolution, targets.channel_resolution)
    update = None
    if last_update_at is not None:
        update = deadline_for(
            DeadlineKind.NEXT_UPDATE,
            targets.update_cadence,
            last_update_at,
            calendars,
            paused_since_last_update,
        )
    return RequestDeadlines(
        earliest_deadline(
            DeadlineKind.FIRST_RESPONSE, first, received_at, calendars, paused, apply_cutoff=cutoff
        ),
        update,
        earliest_deadline(
            DeadlineKind.RESOLUTION, resolution, received_at, calendars, paused, apply_cutoff=cutoff
        ),
    )
