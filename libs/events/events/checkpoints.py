"""Durable progress markers: the relay's, and each consumer's per source."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from events.sqlutil import upsert
from events.tables import consumer_checkpoints, relay_checkpoints


async def load_relay_checkpoint(connection: AsyncConnection, name: str) -> int:
    row = await connection.execute(
        select(relay_checkpoints.c.position).where(relay_checkpoints.c.name == name)
    )
    return int(row.scalar() or 0)


async def save_relay_checkpoint(connection: AsyncConnection, name: str, position: int) -> None:
    await upsert(
        connection,
        relay_checkpoints,
        {"name": name, "position": position, "updated_at": datetime.now(UTC)},
        ["name"],
    )


async def load_consumer_checkpoint(connection: AsyncConnection, consumer: str, source: str) -> int:
    row = await connection.execute(
        select(consumer_checkpoints.c.position).where(
            consumer_checkpoints.c.consumer == consumer, consumer_checkpoints.c.source == source
        )
    )
    return int(row.scalar() or 0)


async def save_consumer_checkpoint(
    connection: AsyncConnection, consumer: str, source: str, position: int
) -> None:
    await upsert(
        connection,
        consumer_checkpoints,
        {"consumer": consumer, "source": source, "position": position, "updated_at": datetime.now(UTC)},
        ["consumer", "source"],
    )
