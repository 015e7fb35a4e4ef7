"""The weekly report (DOMAIN.md §9): volumes and trends, SLAs met / missed, unresolved
requests, improvement points and next week's objectives."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import reading
from sla_clock.adapters.tables import sla_requests
from sla_clock.app.kpis import KpiFilter, _met, kpis, load_rows

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
FCR_TARGET = 70.0
COMPLIANCE_TARGET = 90.0


def week_bounds(week: str, tz: str) -> tuple[datetime, datetime]:
    """``YYYY-Www`` -> [Monday 00:00, next Monday 00:00) in the calendar's time zone."""
    match = WEEK.match(week)
    if not match:
        raise ValueError(f"week must look like 2026-W07, got {week!r}")
    monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    start = datetime.combine(monday, time(0), ZoneInfo(tz))
    return start, datetime.combine(monday + timedelta(days=7), time(0), ZoneInfo(tz))


def _sla_counts(rows: list[Any], now: datetime) -> dict[str, int]:
    counts = {
        "first_response_met": 0,
        "first_response_missed": 0,
        "resolution_met": 0,
        "resolution_missed": 0,
    }
    for row in rows:
        for name, done, due in (
            ("first_response", row.first_response_at, row.first_response_due),
            ("resolution", row.resolved_at, row.resolution_due),
        ):
            met = _met(done, due, now)
            if met is not None:
                counts[f"{name}_{'met' if met else 'missed'}"] += 1
    return counts


def improvement_points(current: dict[str, Any], slas: dict[str, int]) -> list[str]:
    points = []
    if current["fcr_percent"] is not None and current["fcr_percent"] < FCR_TARGET:
        points.append(
            f"First-contact resolution {current['fcr_percent']:.0f} % is below the {FCR_TARGET:.0f} % target."
        )
    compliance = current["sla_compliance_percent"]
    if compliance is not None and compliance < COMPLIANCE_TARGET:
        points.append(
            f"SLA compliance {compliance:.0f} %: {slas['first_response_missed']} first "
            f"responses and {slas['resolution_missed']} resolutions missed."
        )
    if (current["reopen_rate_percent"] or 0) > 10:
        points.append(
            f"Reopen rate {current['reopen_rate_percent']:.0f} %: check solutions "
            "with the customer before closing (validation relance)."
        )
    if current["nps"] is not None and current["nps"] < 0:
        points.append(f"NPS {current['nps']:.0f}: more detractors than promoters.")
    return points


def objectives(points: list[str], current: dict[str, Any]) -> list[str]:
    goals = [f"Bring FCR above {FCR_TARGET:.0f} %." for p in points if p.startswith("First-contact")]
    goals.append(f"Keep SLA compliance at or above {COMPLIANCE_TARGET:.0f} %.")
    if current["volumes"]["waiting"]:
        goals.append(f"Follow up the {current['volumes']['waiting']} requests awaiting customers.")
    return goals


async def weekly_report(engine: AsyncEngine, week: str, tz: str, now: datetime) -> dict[str, Any]:
    start, end = week_bounds(week, tz)
    rows = await load_rows(engine, KpiFilter(start, end))
    before = await load_rows(engine, KpiFilter(start - timedelta(days=7), start))
    current, previous = kpis(rows, now), kpis(before, now)
    slas = _sla_counts(rows, now)
    async with reading(engine) as connection:
        unresolved = list(
            await connection.execute(
                select(sla_requests)
                .where(sla_requests.c.resolved_at.is_(None), sla_requests.c.received_at < end)
                .order_by(sla_requests.c.received_at)
                .limit(50)
            )
        )
    points = improvement_points(current, slas)
    return {
        "week": week,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "kpis": current,
        "previous_week": previous,
        "trends": {name: current["volumes"][name] - previous["volumes"][name] for name in current["volumes"]},
        "slas": slas,
        "unresolved": [
            {
                "request_id": str(r.request_id),
                "reference": r.reference,
                "priority": r.priority,
                "team": r.team,
                "status": r.status,
                "received_at": r.received_at.isoformat(),
                "resolution_due": r.resolution_due.isoformat() if r.resolution_due else None,
            }
            for r in unresolved
        ],
        "improvement_points": points,
        "objectives": objectives(points, current),
    }
