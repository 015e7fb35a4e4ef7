"""SQL helpers for services' adapters: column types, read-only connections, dialect-neutral
upserts. Both PostgreSQL and SQLite (the embedded default) support everything here."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.db import is_postgres, reading
from events.sqlutil import insert_if_absent, upsert
from events.tables import Json, Position

__all__ = ["Json", "Position", "insert_if_absent", "is_postgres", "reading", "reading_each", "upsert"]


@asynccontextmanager
async def reading_each(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """:func:`reading` for reads that need no snapshot in common.

    On PostgreSQL the connection runs without a transaction (autocommit): no ``BEGIN`` before
    the first statement, no ``ROLLBACK`` when it goes back to the pool, two round trips less.
    Under PostgreSQL's READ COMMITTED each statement of a transaction takes its own snapshot
    anyway, so the answers are the same. On SQLite it is :func:`reading` (one snapshot).
    Never write through it: on PostgreSQL each statement would commit at once."""
    if not is_postgres(engine):
        async with reading(engine) as connection:
            yield connection
        return
    async with engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        yield connection
