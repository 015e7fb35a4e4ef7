"""The history of each request's facts, one row per consumed event that changed them, kept
with the event's recorded time (what the SLA clock knew at any instant)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from sla_clock.adapters.tables import sla_fact_history
from sla_clock.domain.request_state import RequestState
from sla_clock.domain.state_codec import decode, encode

_history = sla_fact_history.c


async def record_facts(
    connection: AsyncConnection, state: RequestState, recorded_at: datetime, event_type: str
) -> None:
    await connection.execute(
        insert(sla_fact_history).values(
            request_id=state.request_id, recorded_at=recorded_at, event_type=event_type, state=encode(state)
        )
    )


async def clear_fact_history(connection: AsyncConnection) -> None:
    """Before a replay, which records the history again."""
    await connection.execute(delete(sla_fact_history))


async def facts_known(
    connection: AsyncConnection, request_id: UUID, as_of: datetime
) -> list[tuple[datetime, RequestState]]:
    """The request's successive facts recorded at or before ``as_of``, oldest first."""
    query = (
        select(_history.recorded_at, _history.state)
        .where(_history.request_id == request_id, _history.recorded_at <= as_of)
        .order_by(_history.recorded_at, _history.id)
    )
    return [(row.recorded_at, decode(row.state)) for row in await connection.execute(query)]
