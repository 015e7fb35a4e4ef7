"""Where streams stand: the last version of each, read in the caller's transaction.

For a service that appends to many streams at once at whatever version they are (the SLA
clock's fired timers): one query, then ``Transaction.append_streams`` with these versions."""

from __future__ import annotations

from collections.abc import Collection
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.tables import events

__all__ = ["stream_versions"]


async def stream_versions(connection: AsyncConnection, stream_ids: Collection[UUID]) -> dict[UUID, int]:
    """The last version of each of ``stream_ids`` that has events (absent: a new stream)."""
    rows = await connection.execute(
        select(events.c.stream_id, func.max(events.c.version))
        .where(events.c.stream_id.in_(list(stream_ids)))
        .group_by(events.c.stream_id)
    )
    return {row[0]: row[1] for row in rows}
