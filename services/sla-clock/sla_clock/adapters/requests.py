"""Repository of per-request facts (``sla_requests``): the state JSON plus columns for KPIs."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.sqlutil import upsert
from sla_clock.adapters.tables import sla_requests
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.state_codec import decode, encode


async def load_state(connection: AsyncConnection, request_id: UUID) -> RequestState | None:
    row = (
        await connection.execute(select(sla_requests.c.state).where(sla_requests.c.request_id == request_id))
    ).first()
    return None if row is None else decode(row[0])


async def save_state(
    connection: AsyncConnection,
    state: RequestState,
    *,
    first_response_due: datetime | None,
    resolution_due: datetime | None,
    policy_version: int,
    calendar: str,
    now: datetime,
) -> None:
    await upsert(
        connection,
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
            "first_response_due": first_response_due,
            "resolved_at": state.resolved_at,
            "resolution_due": resolution_due,
            "closed_at": state.closed_at,
            "reopened_count": state.reopened_count,
            "escalated": state.escalated,
            "first_contact": state.first_contact,
            "interactions": state.interactions,
            "csat": state.csat,
            "nps": state.nps,
            "policy_version": policy_version,
            "calendar": calendar,
            "state": encode(state),
            "updated_at": now,
        },
        ["request_id"],
    )


async def open_request_ids(connection: AsyncConnection, after: UUID | None, limit: int) -> list[UUID]:
    """Ids of requests not closed, in id order after ``after`` (for re-arming in batches)."""
    query = select(sla_requests.c.request_id).where(sla_requests.c.status != "closed")
    if after is not None:
        query = query.where(sla_requests.c.request_id > after)
    rows = await connection.execute(query.order_by(sla_requests.c.request_id).limit(limit))
    return [row[0] for row in rows]
