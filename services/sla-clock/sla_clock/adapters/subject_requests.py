"""Repository of the data-subject requests' deadline facts (``sla_subject_requests``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.persistence import upsert
from sla_clock.adapters.tables import sla_subject_requests
from sla_clock.domain.subject_requests import SubjectRequestFacts

_row = sla_subject_requests.c


class SqlSubjectRequests:
    """``SubjectRequestRepository`` in the transaction of ``connection``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, request_id: UUID) -> SubjectRequestFacts | None:
        query = select(
            _row.request_id,
            _row.received_at,
            _row.first_due_at,
            _row.due_at,
            _row.extended_months,
            _row.completed_at,
        ).where(_row.request_id == request_id)
        row = (await self.connection.execute(query)).first()
        return None if row is None else SubjectRequestFacts(*row)

    async def save(self, facts: SubjectRequestFacts, now: datetime) -> None:
        await upsert(
            self.connection,
            sla_subject_requests,
            {
                "request_id": facts.request_id,
                "received_at": facts.received_at,
                "first_due_at": facts.first_due_at,
                "due_at": facts.due_at,
                "extended_months": facts.extended_months,
                "completed_at": facts.completed_at,
                "updated_at": now,
            },
            ["request_id"],
        )

    async def clear(self) -> None:
        await self.connection.execute(delete(sla_subject_requests))
