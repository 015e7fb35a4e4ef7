"""Which subjects' keys a purge destroys: pure selection over the subjects' activity.

Anchors (docs/domain.md §15.1): ``contract_end`` the contract's end date (no end known: the
contract runs, nothing is purged); ``last_interaction`` the person's last request or update
of their record; ``request_closed`` the last closure of a request, only once none is open;
``recorded`` the last call (a request received by phone); ``last_activity`` the latest of
all. A subject under legal hold, or whose category was already erased, is never selected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from events.catalogue.retention import RetentionPeriod
from retention.domain.calendar import add_months


@dataclass(frozen=True)
class SubjectActivity:
    """What retention knows of one data subject, from the events it consumes."""

    subject: str
    contract_end: date | None = None
    last_interaction: datetime | None = None
    last_call: datetime | None = None
    last_closure: datetime | None = None
    last_activity: datetime | None = None
    open_requests: int = 0
    on_hold: bool = False
    erased: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class PurgeSelection:
    category: str
    due: tuple[str, ...]
    on_hold: tuple[str, ...]


def anchor_of(activity: SubjectActivity, period: RetentionPeriod) -> datetime | None:
    """The instant the period of ``period.category`` counts from, or None (not running yet)."""
    if period.anchor == "contract_end":
        end = activity.contract_end
        return None if end is None else datetime.combine(end, time(), tzinfo=UTC)
    if period.anchor == "last_interaction":
        return activity.last_interaction
    if period.anchor == "request_closed":
        return None if activity.open_requests > 0 else activity.last_closure
    if period.anchor == "recorded":
        return activity.last_call
    return activity.last_activity


def retention_ended(activity: SubjectActivity, period: RetentionPeriod, now: datetime) -> bool:
    anchor = anchor_of(activity, period)
    return anchor is not None and add_months(anchor, period.months) <= now


def select_for_purge(
    activities: Iterable[SubjectActivity], period: RetentionPeriod, now: datetime
) -> PurgeSelection:
    """The subjects whose ``period`` has ended at ``now``, and those a legal hold keeps."""
    due: list[str] = []
    held: list[str] = []
    for activity in activities:
        if period.category in activity.erased or not retention_ended(activity, period, now):
            continue
        (held if activity.on_hold else due).append(activity.subject)
    return PurgeSelection(period.category, tuple(due), tuple(held))
