"""A request as the read model keeps it for KPIs and reports, and the rules that turn it into
KPI facts: whether each SLA was met, how many contacts it took, what counts in which volume."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from events.vocabulary import Channel, Priority
from sla_clock.domain.kpi import RequestFacts


@dataclass(frozen=True)
class RequestRecord:
    request_id: UUID
    reference: str | None
    received_at: datetime
    channel: str
    priority: str | None
    team: str | None
    status: str
    first_response_at: datetime | None
    first_response_due: datetime | None
    resolved_at: datetime | None
    resolution_due: datetime | None
    closed_at: datetime | None
    reopened_count: int
    escalated: bool
    first_contact: bool | None
    interactions: int
    csat: float | None
    nps: int | None


def sla_met(done: datetime | None, due: datetime | None, now: datetime) -> bool | None:
    """Met when done by the due instant; missed when done late or still undone past it."""
    if due is None:
        return None
    if done is not None:
        return done <= due
    return False if now > due else None


def facts_of(record: RequestRecord, now: datetime) -> RequestFacts:
    try:
        channel = Channel(record.channel)
    except ValueError:
        channel = Channel.PHONE
    contacts = None
    if record.resolved_at is not None:
        contacts = 1 if record.first_contact else max(2, record.interactions)
    return RequestFacts(
        received_at=record.received_at,
        priority=Priority(record.priority or "p3"),
        channel=channel,
        team=record.team,
        first_response_at=record.first_response_at,
        resolved_at=record.resolved_at,
        closed_at=record.closed_at,
        reopened_count=record.reopened_count,
        escalated=record.escalated,
        contacts_before_resolution=contacts,
        first_response_sla_met=sla_met(record.first_response_at, record.first_response_due, now),
        resolution_sla_met=sla_met(record.resolved_at, record.resolution_due, now),
        csat=record.csat,
        nps=record.nps,
    )


@dataclass(frozen=True)
class Volumes:
    received: int
    in_progress: int
    waiting: int
    resolved: int


def volumes_of(records: Sequence[RequestRecord]) -> Volumes:
    statuses = [record.status for record in records]
    return Volumes(
        received=len(records),
        in_progress=sum(s in ("open", "in_progress") for s in statuses),
        waiting=statuses.count("waiting"),
        resolved=sum(s in ("resolved", "closed") for s in statuses),
    )
