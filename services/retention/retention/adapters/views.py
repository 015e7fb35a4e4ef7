"""Queries over retention's read models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue.documents import RelanceSent
from events.catalogue.retention import RetentionPeriod
from events.persistence import reading
from retention.adapters.projection import mark_erased
from retention.adapters.tables import (
    retention_access_log,
    retention_deadline_marks,
    retention_policies,
    retention_purges,
    retention_request_owners,
    retention_service_erasures,
    retention_subject_events,
    retention_subject_requests,
    retention_subjects,
    utc,
)
from retention.domain.policies import DEFAULT_POLICY, RetentionPolicy
from retention.domain.purge import SubjectActivity
from retention.domain.subject_request import deadline_marks

OWNER_BATCH = 500
CUSTOMER_DATA_ON_STREAM = (RelanceSent.event_type,)
"""Events kept under a customer whose personal fields are the customer's yet sealed under
their own stream (a relance's stream): intake's are on the customer's requests' streams,
known from their owner; approvals' name members of staff and are not the customer's."""


@dataclass(frozen=True)
class AccessQuery:
    customer_id: UUID | None = None
    reader: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200


def _row(mapping: Any) -> dict[str, Any]:
    return {k: utc(v) if isinstance(v, datetime) else v for k, v in mapping._mapping.items()}


class RetentionViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def policy(self) -> tuple[RetentionPolicy, dict[str, Any] | None]:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(
                    select(retention_policies).order_by(retention_policies.c.policy_version.desc()).limit(1)
                )
            ).first()
        if row is None:
            return DEFAULT_POLICY, None
        periods = tuple(RetentionPeriod.model_validate(p) for p in row.periods)
        return RetentionPolicy(row.policy_version, periods), _row(row)

    async def activities(self) -> list[SubjectActivity]:
        async with reading(self.engine) as connection:
            rows = await connection.execute(select(retention_subjects))
            return [activity_of(row) for row in rows]

    async def activity(self, subject: str) -> SubjectActivity | None:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(
                    select(retention_subjects).where(retention_subjects.c.subject == subject)
                )
            ).first()
        return None if row is None else activity_of(row)

    async def mark_erased(self, subjects: Sequence[str], category: str) -> None:
        async with self.engine.begin() as connection:
            for subject in subjects:
                await mark_erased(connection, subject, [category])

    async def streams_of(self, subjects: Sequence[str]) -> dict[str, tuple[str, ...]]:
        owners, kept = retention_request_owners.c, retention_subject_events.c
        wanted = sorted(set(subjects))
        found: dict[str, dict[str, None]] = {}
        async with reading(self.engine) as connection:
            for start in range(0, len(wanted), OWNER_BATCH):
                batch = wanted[start : start + OWNER_BATCH]
                requests = await connection.execute(
                    select(owners.subject, owners.request_id)
                    .where(owners.subject.in_(batch))
                    .order_by(owners.subject, owners.request_id)
                )
                for subject, request_id in requests:
                    found.setdefault(subject, {})[str(request_id)] = None
                sealed_on_streams = await connection.execute(
                    select(kept.subject, kept.pii)
                    .where(kept.subject.in_(batch), kept.event_type.in_(CUSTOMER_DATA_ON_STREAM))
                    .order_by(kept.subject, kept.occurred_at)
                )
                for subject, pii in sealed_on_streams:
                    if isinstance(pii, dict) and isinstance(pii.get("subject"), str):
                        found.setdefault(subject, {})[pii["subject"]] = None
        return {
            subject: tuple(stream for stream in streams if stream != subject)
            for subject, streams in found.items()
            if set(streams) - {subject}
        }

    async def hold(self, subject: str) -> str | None:
        async with reading(self.engine) as connection:
            reason: str | None = (
                await connection.execute(
                    select(retention_subjects.c.hold_reason).where(retention_subjects.c.subject == subject)
                )
            ).scalar()
        return reason

    async def subject_events(self, subject: str) -> list[dict[str, Any]]:
        async with reading(self.engine) as connection:
            rows = await connection.execute(
                select(retention_subject_events)
                .where(retention_subject_events.c.subject == subject)
                .order_by(retention_subject_events.c.occurred_at, retention_subject_events.c.event_id)
            )
            return [_row(row) for row in rows]

    async def request(self, request_id: UUID) -> dict[str, Any] | None:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(
                    select(retention_subject_requests).where(
                        retention_subject_requests.c.request_id == request_id
                    )
                )
            ).first()
            if row is None:
                return None
            marks = retention_deadline_marks.c
            found = await connection.execute(
                select(marks.threshold, marks.due_at).where(marks.request_id == request_id)
            )
            warned, overdue = deadline_marks(utc(row.due_at), [(m.threshold, utc(m.due_at)) for m in found])
            return (
                _row(row)
                | {"warned": warned, "overdue": overdue}
                | _service_reports(await _by_service(connection, [request_id]), request_id)
            )

    async def purges(self, limit: int = 100) -> list[dict[str, Any]]:
        async with reading(self.engine) as connection:
            rows = await connection.execute(
                select(retention_purges).order_by(retention_purges.c.executed_at.desc()).limit(limit)
            )
            purges = [_row(row) for row in rows]
            reports = await _by_service(connection, [p["purge_id"] for p in purges])
            return [p | _service_reports(reports, p["purge_id"]) for p in purges]

    async def access_log(self, query: AccessQuery) -> list[dict[str, Any]]:
        log = retention_access_log
        statement = select(log).order_by(log.c.accessed_at.desc(), log.c.event_id).limit(query.limit)
        if query.customer_id is not None:
            statement = statement.where(log.c.customer_id == query.customer_id)
        if query.reader is not None:
            statement = statement.where(log.c.reader == query.reader)
        if query.kind is not None:
            statement = statement.where(log.c.kind == query.kind)
        if query.since is not None:
            statement = statement.where(log.c.accessed_at >= query.since)
        if query.until is not None:
            statement = statement.where(log.c.accessed_at < query.until)
        async with reading(self.engine) as connection:
            return [_row(row) for row in await connection.execute(statement)]


def activity_of(row: Any) -> SubjectActivity:
    return SubjectActivity(
        subject=row.subject,
        contract_end=row.contract_end,
        last_interaction=utc(row.last_interaction),
        last_call=utc(row.last_call),
        last_closure=utc(row.last_closure),
        last_activity=utc(row.last_activity),
        open_requests=row.open_requests,
        on_hold=row.on_hold,
        erased=frozenset(row.erased or ()),
    )


async def _by_service(
    connection: AsyncConnection, cause_ids: Sequence[UUID]
) -> dict[UUID, dict[str, dict[str, int]]]:
    """Per erasure or purge of ``cause_ids``, per producer: the subjects it reported on, the
    events it reported made unreadable, the read-model rows and parked events it blanked."""
    found: dict[UUID, dict[str, dict[str, int]]] = {cause_id: {} for cause_id in cause_ids}
    if not cause_ids:
        return found
    table = retention_service_erasures
    rows = await connection.execute(
        select(
            table.c.cause_id,
            table.c.service,
            func.count(),
            func.sum(table.c.events_affected),
            func.sum(table.c.read_model_rows),
            func.sum(table.c.parked_events),
        )
        .where(table.c.cause_id.in_(list(cause_ids)))
        .group_by(table.c.cause_id, table.c.service)
    )
    for cause_id, service, subjects, affected, read_model_rows, parked in rows:
        found[cause_id][service] = {
            "subjects": int(subjects),
            "events_affected": int(affected or 0),
            "read_model_rows": int(read_model_rows or 0),
            "parked_events": int(parked or 0),
        }
    return found


def _service_reports(reports: dict[UUID, dict[str, dict[str, int]]], cause_id: UUID) -> dict[str, Any]:
    by_service = reports[cause_id]
    return {
        "events_affected_by_service": {
            service: report["events_affected"] for service, report in by_service.items()
        },
        "erased_by_service": by_service,
    }
