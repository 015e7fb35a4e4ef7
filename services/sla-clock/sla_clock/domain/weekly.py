"""The weekly report's rules (docs/domain.md §14.3): the week's bounds, SLAs met and missed, the
improvement points a week's KPIs call for and next week's objectives."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from events.bounds import EARLIEST, LATEST
from sla_clock.domain.kpi import KpiReport
from sla_clock.domain.request_record import RequestRecord, Volumes, sla_met

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
FCR_TARGET = 70.0
COMPLIANCE_TARGET = 90.0
REOPEN_RATE_LIMIT = 10.0


class BadWeek(ValueError):
    """A week that is not written ``YYYY-Www``."""


def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """``YYYY-Www`` -> [Monday 00:00, next Monday 00:00) in the calendar's time zone."""
    match = WEEK.match(week)
    if not match:
        raise BadWeek(f"week must look like 2026-W07, got {week!r}")
    if not EARLIEST.year < int(match[1]) < LATEST.year - 1:
        raise BadWeek(f"week must be of a year after {EARLIEST.year} and before {LATEST.year - 1}")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as error:
        raise BadWeek(str(error)) from error
    start = datetime.combine(monday, time(0), ZoneInfo(tz))
    return start, datetime.combine(monday + timedelta(days=7), time(0), ZoneInfo(tz))


@dataclass
class SlaCounts:
    first_response_met: int = 0
    first_response_missed: int = 0
    resolution_met: int = 0
    resolution_missed: int = 0


def sla_counts(records: Sequence[RequestRecord], now: datetime) -> SlaCounts:
    counts = SlaCounts()
    for record in records:
        for name, done, due in (
            ("first_response", record.first_response_at, record.first_response_due),
            ("resolution", record.resolved_at, record.resolution_due),
        ):
            met = sla_met(done, due, now)
            if met is not None:
                field = f"{name}_{'met' if met else 'missed'}"
                setattr(counts, field, getattr(counts, field) + 1)
    return counts


def improvement_points(kpis: KpiReport, slas: SlaCounts) -> list[str]:
    points = []
    if kpis.fcr_percent is not None and kpis.fcr_percent < FCR_TARGET:
        points.append(
            f"First-contact resolution {kpis.fcr_percent:.0f} % is below the {FCR_TARGET:.0f} % target."
        )
    compliance = kpis.sla_compliance_percent
    if compliance is not None and compliance < COMPLIANCE_TARGET:
        points.append(
            f"SLA compliance {compliance:.0f} %: {slas.first_response_missed} first "
            f"responses and {slas.resolution_missed} resolutions missed."
        )
    if (kpis.reopen_rate_percent or 0) > REOPEN_RATE_LIMIT:
        points.append(
            f"Reopen rate {kpis.reopen_rate_percent:.0f} %: check solutions "
            "with the customer before closing (validation relance)."
        )
    if kpis.nps is not None and kpis.nps < 0:
        points.append(f"NPS {kpis.nps:.0f}: more detractors than promoters.")
    return points


def objectives(points: Sequence[str], volumes: Volumes) -> list[str]:
    goals = [f"Bring FCR above {FCR_TARGET:.0f} %." for p in points if p.startswith("First-contact")]
    goals.append(f"Keep SLA compliance at or above {COMPLIANCE_TARGET:.0f} %.")
    if volumes.waiting:
        goals.append(f"Follow up the {volumes.waiting} requests awaiting customers.")
    return goals


def trends(current: Volumes, previous: Volumes) -> Volumes:
    """Each volume's change from the previous week."""
    return Volumes(
        received=current.received - previous.received,
        in_progress=current.in_progress - previous.in_progress,
        waiting=current.waiting - previous.waiting,
        resolved=current.resolved - previous.resolved,
    )
