"""KPIs over the read model (filterable by period received, team, channel and priority) and
the weekly report (docs/domain.md §14): volumes and trends, SLAs met / missed, unresolved requests,
improvement points and next week's objectives."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sla_clock.app.ports import KpiFilter, ReadModel
from sla_clock.domain.kpi import KpiReport, compute_kpis
from sla_clock.domain.request_record import RequestRecord, Volumes, facts_of, volumes_of
from sla_clock.domain.weekly import SlaCounts, improvement_points, objectives, sla_counts, trends, week_bounds

UNRESOLVED_LISTED = 50


@dataclass(frozen=True)
class Kpis:
    report: KpiReport
    volumes: Volumes


@dataclass(frozen=True)
class WeeklyReport:
    week: str
    start: datetime
    end: datetime
    kpis: Kpis
    previous_week: Kpis
    trends: Volumes
    slas: SlaCounts
    unresolved: list[RequestRecord]
    improvement_points: list[str]
    objectives: list[str]


def kpis_of(records: Sequence[RequestRecord], now: datetime) -> Kpis:
    return Kpis(compute_kpis(facts_of(record, now) for record in records), volumes_of(records))


async def kpis(read: ReadModel, where: KpiFilter, now: datetime) -> Kpis:
    return kpis_of(await read.received(where), now)


async def weekly_report(read: ReadModel, week: str, tz: str, now: datetime) -> WeeklyReport:
    start, end = week_bounds(week, tz)
    records = await read.received(KpiFilter(start, end))
    current = kpis_of(records, now)
    previous = await kpis(read, KpiFilter(start - timedelta(days=7), start), now)
    slas = sla_counts(records, now)
    points = improvement_points(current.report, slas)
    return WeeklyReport(
        week=week,
        start=start,
        end=end,
        kpis=current,
        previous_week=previous,
        trends=trends(current.volumes, previous.volumes),
        slas=slas,
        unresolved=await read.unresolved(end, UNRESOLVED_LISTED),
        improvement_points=points,
        objectives=objectives(points, current.volumes),
    )
