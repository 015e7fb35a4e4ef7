"""KPIs over the read model, filterable by period (received), team, channel and priority."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import reading
from events.vocabulary import Channel, Priority
from sla_clock.adapters.tables import sla_requests
from sla_clock.domain.kpi import KpiReport, RequestFacts, compute_kpis


@dataclass(frozen=True)
class KpiFilter:
    start: datetime | None = None
    end: datetime | None = None
    team: str | None = None
    channel: str | None = None
    priority: str | None = None


def _met(done: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    """Met when done by the due instant; missed when done late or still undone past it."""
    if due is None:
        return None
    if done is not None:
        return done <= due
    return False if now > due else None


def facts_of(row: Any, now: datetime) -> RequestFacts:
    try:
        channel = Channel(row.channel)
    except ValueError:
        channel = Channel.PHONE
    contacts = None
    if row.resolved_at is not None:
        contacts = 1 if row.first_contact else max(2, row.interactions)
    return RequestFacts(
        received_at=row.received_at,
        priority=Priority(row.priority or "p3"),
        channel=channel,
        team=row.team,
        first_response_at=row.first_response_at,
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        reopened_count=row.reopened_count,
        escalated=row.escalated,
        contacts_before_resolution=contacts,
        first_response_sla_met=_met(row.first_response_at, row.first_response_due, now),
        resolution_sla_met=_met(row.resolved_at, row.resolution_due, now),
        csat=row.csat,
        nps=row.nps,
    )


async def load_rows(engine: AsyncEngine, where: KpiFilter) -> list[Any]:
    c = sla_requests.c
    query = select(sla_requests)
    if where.start:
        query = query.where(c.received_at >= where.start)
    if where.end:
        query = query.where(c.received_at < where.end)
    if where.team:
        query = query.where(c.team == where.team)
    if where.channel:
        query = query.where(c.channel == where.channel.lower())
    if where.priority:
        query = query.where(c.priority == where.priority.lower())
    async with reading(engine) as connection:
        return list(await connection.execute(query))


def report_json(report: KpiReport) -> dict[str, Any]:
    data = asdict(report)
    for name, value in data.items():
        if isinstance(value, timedelta):
            data[name] = value.total_seconds()
    return data


def kpis(rows: list[Any], now: datetime) -> dict[str, Any]:
    report = report_json(compute_kpis(facts_of(row, now) for row in rows))
    statuses = [row.status for row in rows]
    report["volumes"] = {
        "received": len(rows),
        "in_progress": sum(s in ("open", "in_progress") for s in statuses),
        "waiting": statuses.count("waiting"),
        "resolved": sum(s in ("resolved", "closed") for s in statuses),
    }
    return report
