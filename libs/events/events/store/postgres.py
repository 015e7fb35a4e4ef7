"""The event store's PostgreSQL statements, run on the asyncpg connection under SQLAlchemy's.

Why not through SQLAlchemy: an append or a page of replay is a handful of fixed statements,
and SQLAlchemy's per-statement work (compiled-cache lookup, result metadata, greenlet hop,
a Python JSON codec per value) cost more CPU than PostgreSQL spent executing them. Here each
statement is prepared once per connection by asyncpg, all rows of an append go in one
``INSERT … SELECT FROM unnest(…)``, and JSON columns travel as text decoded by orjson.
The connection, pool and transaction stay SQLAlchemy's, so services mix these statements
with their own in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg
import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from events.envelope import Envelope
from events.store.errors import ConcurrencyError
from events.store.records import NewEvent, Tail, stored_envelope

_COLUMNS = (
    "position, event_id, stream_id, stream_type, version, type, schema_version, time, "
    "recorded_at, data::text, metadata::text, pii::text, prev_hash, hash"
)
READ_ALL = (
    f"SELECT {_COLUMNS} FROM events "
    "WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (tx_id, position) > (SELECT e.tx_id, e.position FROM events e WHERE e.position = $1) "
    "ORDER BY tx_id, position LIMIT $2"
)
READ_ALL_FROM_START = (
    f"SELECT {_COLUMNS} FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
    "ORDER BY tx_id, position LIMIT $1"
)
READ_STREAM = (
    f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version"
)
TAIL = "SELECT version, hash FROM events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1"
TAILS = (
    "SELECT DISTINCT ON (stream_id) stream_id, version, hash FROM events "
    "WHERE stream_id = ANY($1::uuid[]) ORDER BY stream_id, version DESC"
)
INSERT = (
    "INSERT INTO events (event_id, stream_id, stream_type, version, type, schema_version, time, "
    "recorded_at, data, metadata, pii, prev_hash, hash) "
    "SELECT event_id, stream_id, stream_type, version, type, schema_version, time, recorded_at, "
    "data, metadata, pii, prev_hash, hash "
    "FROM ROWS FROM (json_to_recordset($1::json) AS (event_id uuid, stream_id uuid, "
    "stream_type text, version int, type text, schema_version int, time timestamptz, "
    "recorded_at timestamptz, data jsonb, metadata jsonb, pii jsonb, prev_hash text, hash text)) "
    "WITH ORDINALITY AS new (event_id, stream_id, stream_type, version, type, schema_version, "
    "time, recorded_at, data, metadata, pii, prev_hash, hash, n) "
    "ORDER BY n RETURNING position"
)
"""All rows of an append in one JSON parameter: serialised by orjson in one C call (asyncpg's
array encoding checks every element's type in Python). Rows are inserted in the document's
order, so positions ascend with it (and with each stream's versions): the sorted positions
returned belong to the rows in order."""
_STREAM_VERSION_INDEXES = ("uq_events_stream_version",)


async def driver(connection: AsyncConnection, *, in_transaction: bool = False) -> asyncpg.Connection:
    """The asyncpg connection under ``connection``.

    ``in_transaction``: the caller's SQLAlchemy transaction must already be open on the
    server (SQLAlchemy begins lazily, at its first statement), or our statements would
    autocommit outside it.
    """
    raw = await connection.get_raw_connection()
    native: asyncpg.Connection = raw.driver_connection  # type: ignore[assignment]
    if in_transaction and not native.is_in_transaction():
        await connection.exec_driver_sql("SELECT 1")
    return native


class Statements:
    """:class:`events.store.sql.Rows` on one asyncpg connection."""

    def __init__(self, native: asyncpg.Connection, source: str) -> None:
        self.native = native
        self.source = source

    async def tails(self, stream_ids: Sequence[UUID]) -> dict[UUID, Tail]:
        if len(stream_ids) == 1:
            row = await self.native.fetchrow(TAIL, stream_ids[0])
            return {stream_ids[0]: (row[0], row[1])} if row else {}
        rows = await self.native.fetch(TAILS, list(stream_ids))
        return {UUID(bytes=row[0].bytes): (row[1], row[2]) for row in rows}

    async def insert(self, rows: list[NewEvent]) -> list[int]:
        document = orjson.dumps([new.columns() for new in rows], default=str).decode()
        try:
            result = await self.native.fetch(INSERT, document)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name in _STREAM_VERSION_INDEXES:
                first = rows[0].fields
                raise ConcurrencyError(first["stream_id"], first["stream_version"] - 1) from error
            raise
        return sorted(row[0] for row in result)

    async def read_stream(self, stream_id: UUID, from_version: int) -> list[Envelope]:
        return self._envelopes(await self.native.fetch(READ_STREAM, stream_id, from_version))

    async def read_all(self, after_position: int, limit: int) -> list[Envelope]:
        if after_position:
            records = await self.native.fetch(READ_ALL, after_position, limit)
        else:
            records = await self.native.fetch(READ_ALL_FROM_START, limit)
        return self._envelopes(records)

    def _envelopes(self, records: list[asyncpg.Record]) -> list[Envelope]:
        source = self.source
        return [stored_envelope(source, *record) for record in records]
