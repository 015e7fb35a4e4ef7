"""Repository of per-request facts (``sla_requests``): the state JSON plus columns for KPIs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.persistence import upsert
from sla_clock.adapters.tables import sla_requests
from sla_clock.app.ports import Deadlines
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.state_codec import decode, encode


class SqlFacts:
    """``FactsRepository`` in the transaction of ``connection``."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, request_id: UUID) -> RequestState | None:
        query = select(sla_requests.c.state).where(sla_requests.c.request_id == request_id)
        row = (await self.connection.execute(query)).first()
        return None if row is None else decode(row[0])

    async def save(self, state: RequestState, deadlines: Deadlines, now: datetime) -> None:
        await upsert(
            self.connection,
            sla_requests,
            {
                "request_id": state.request_id,
                "reference": state.reference,
                "received_at": state.received_at,
                "channel": state.channel,
                "priority": state.priority,
                "profile": state.profile,
                "team": state.team,
                "status": state.status,
                "first_response_at": state.first_response_at,
                "first_response_due": deadlines.first_response_due,
                "resolved_at": state.resolved_at,
                "resolution_due": deadlines.resolution_due,
                "closed_at": state.closed_at,
                "reopened_count": state.reopened_count,
                "escalated": state.escalated,
                "first_contact": state.first_contact,
                "interactions": state.interactions,
                "csat": state.csat,
                "nps": state.nps,
                "policy_version": deadlines.policy_version,
                "calendar": deadlines.calendar,
                "state": encode(state),
                "updated_at": now,
            },
            ["request_id"],
        )

    async def open_ids(self, after: UUID | None, limit: int) -> list[UUID]:
        query = select(sla_requests.c.request_id).where(sla_requests.c.status != "closed")
        if after is not None:
            query = query.where(sla_requests.c.request_id > after)
        rows = await self.connection.execute(query.order_by(sla_requests.c.request_id).limit(limit))
        return [row[0] for row in rows]

    async def clear(self) -> None:
        await self.connection.execute(delete(sla_requests))
