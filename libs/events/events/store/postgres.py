"""The event store's PostgreSQL statements, run on the asyncpg connection under SQLAlchemy's.

Why not through SQLAlchemy: an append or a page of replay is a handful of fixed statements,
and SQLAlchemy's per-statement work (compiled-cache lookup, result metadata, greenlet hop,
a Python JSON codec per value) cost more CPU than PostgreSQL spent executing them. Here each
statement is prepared once per connection by asyncpg; the rows of a small append go in one
``INSERT`` as one JSON document, those of a larger one in a binary ``COPY``; JSON columns
are read as text decoded by orjson. The connection, pool and transaction stay SQLAlchemy's,
so services mix these statements with their own in one transaction.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
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
HORIZON = (
    "(SELECT COALESCE(min(x), pg_snapshot_xmax(pg_current_snapshot())) "
    "FROM pg_snapshot_xip(pg_current_snapshot()) AS x "
    "WHERE x::xid <> ALL (ARRAY(SELECT backend_xid FROM pg_stat_activity "
    "WHERE backend_xid IS NOT NULL AND datname IS DISTINCT FROM current_database())))"
)
"""The oldest transaction still running in this statement's snapshot, leaving out those known
to run in other databases of the server (they cannot write our events): every transaction
older than it has ended, and whatever starts later gets a newer id. A running transaction
that ``pg_stat_activity`` does not attribute to another database (its session hidden from
this role, a prepared transaction, one that ended between the two looks) is counted: the
horizon can only be too old, never too new. Without the filter (``pg_snapshot_xmin``) a long
bulk load or purge in any database of the cluster held back every service's relay."""
READ_ALL = (
    f"SELECT {_COLUMNS} FROM events "
    f"WHERE tx_id < {HORIZON} "
    "AND (tx_id, position) > (SELECT e.tx_id, e.position FROM events e WHERE e.position = $1) "
    "ORDER BY tx_id, position LIMIT $2"
)
READ_ALL_FROM_START = (
    f"SELECT {_COLUMNS} FROM events WHERE tx_id < {HORIZON} ORDER BY tx_id, position LIMIT $1"
)
READ_STREAM = f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version >= $2 ORDER BY version"
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
NEXT_POSITIONS = "SELECT array_agg(nextval('events_position_seq')) FROM generate_series(1, $1)"
"""``position``'s own sequence (its ``bigserial`` default), in one round trip."""
COPY_COLUMNS = (
    "position",
    "event_id",
    "version",
    "data",
    "prev_hash",
    "hash",
    "stream_id",
    "stream_type",
    "type",
    "schema_version",
    "time",
    "recorded_at",
    "metadata",
    "pii",
)
"""Per-event columns first: the others are usually the same for a whole append, so their
encoding is reused (see :func:`copy_payload`)."""
COPY_FROM = 10
"""From this many rows an insert is a binary ``COPY`` after taking the positions from the
sequence: PostgreSQL then parses no JSON document, uuid or timestamp text, and writes the
rows with multi-inserts (its CPU per event in 100-event appends: 24 -> 14 µs). Below it, the
one ``INSERT`` above: one round trip instead of three."""
_STREAM_VERSION_INDEXES = ("uq_events_stream_version",)


async def driver(connection: AsyncConnection, *, in_transaction: bool = False) -> asyncpg.Connection:
    """The asyncpg connection under ``connection``.

    ``in_transaction``: the caller's SQLAlchemy transaction must already be open on the
    server (SQLAlchemy begins lazily, at its first statement), or our statements would
    autocommit outside it. It is opened the way SQLAlchemy's adapter opens it before its
    first statement (one ``BEGIN``, the transaction then SQLAlchemy's to commit or roll
    back); an adapter without that method gets a ``SELECT 1`` through SQLAlchemy instead.
    """
    raw = await connection.get_raw_connection()
    native: asyncpg.Connection = raw.driver_connection
    if in_transaction and not native.is_in_transaction():
        adapter = raw.dbapi_connection
        begin = getattr(adapter, "_start_transaction", None)
        if begin is not None and getattr(adapter, "_transaction", False) is None:
            await begin()
        else:
            await connection.exec_driver_sql("SELECT 1")
    return native


def copy_payload(rows: list[NewEvent], positions: list[int]) -> bytearray:
    """The rows in PostgreSQL's binary ``COPY`` format, in ``COPY_COLUMNS`` order.

    Written here rather than by asyncpg's ``copy_records_to_table``, whose per-value codec
    calls cost ~4.5 µs of client CPU per event (this: ~1.2 µs, the JSON document ~1 µs).
    The columns a row shares with the one before it (same objects: stream, type, time,
    metadata) are encoded once.
    """
    out = bytearray(_COPY_HEADER)
    dumps, head = orjson.dumps, _COPY_ROW_HEAD.pack
    shared_key: tuple[Any, ...] = ()
    shared = b""
    for new, position in zip(rows, positions, strict=True):
        fields = new.fields
        data = dumps(fields["data"], default=str)
        prev_hash = fields["prev_hash"]
        out += head(
            len(COPY_COLUMNS),
            8,
            position,
            16,
            fields["id"].bytes,
            4,
            fields["stream_version"],
            len(data) + 1,
        )
        out += _JSONB
        out += data
        out += _NULL if prev_hash is None else _text(prev_hash)
        out += _text(fields["hash"])
        key = (
            fields["stream_id"],
            fields["stream_type"],
            fields["type"],
            fields["schema_version"],
            fields["time"],
            fields["recorded_at"],
            new.metadata,
            new.pii,
        )
        if key != shared_key:
            shared_key, shared = key, _shared_columns(*key)
        out += shared
    out += _COPY_TRAILER
    return out


def _shared_columns(
    stream_id: UUID,
    stream_type: str,
    type_: str,
    schema_version: int,
    time: datetime,
    recorded_at: datetime,
    metadata: dict[str, Any],
    pii: dict[str, Any] | None,
) -> bytes:
    parts = [
        _COPY_LENGTH.pack(16) + stream_id.bytes,
        _text(stream_type),
        _text(type_),
        _COPY_INT4.pack(4, schema_version),
        _timestamp(time),
        _timestamp(recorded_at),
        _jsonb(metadata),
        _NULL if pii is None else _jsonb(pii),
    ]
    return b"".join(parts)


def _text(value: str) -> bytes:
    raw = value.encode()
    return _COPY_LENGTH.pack(len(raw)) + raw


def _jsonb(value: dict[str, Any]) -> bytes:
    raw = orjson.dumps(value, default=str)
    return _COPY_LENGTH.pack(len(raw) + 1) + _JSONB + raw


def _timestamp(value: datetime) -> bytes:
    return _COPY_TIMESTAMP.pack(8, (value - _PG_EPOCH) // _MICROSECOND)


_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)
_COPY_TRAILER = b"\xff\xff"
_COPY_ROW_HEAD = struct.Struct("!hiqi16siii")
_COPY_INT4 = struct.Struct("!ii")
_COPY_TIMESTAMP = struct.Struct("!iq")
_COPY_LENGTH = struct.Struct("!i")
_JSONB = b"\x01"
_NULL = _COPY_LENGTH.pack(-1)
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


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
        try:
            if len(rows) >= COPY_FROM:
                return await self._copy(rows)
            document = orjson.dumps([new.columns() for new in rows], default=str).decode()
            result = await self.native.fetch(INSERT, document)
        except asyncpg.UniqueViolationError as error:
            if error.constraint_name in _STREAM_VERSION_INDEXES:
                first = rows[0].fields
                raise ConcurrencyError(first["stream_id"], first["stream_version"] - 1) from error
            raise
        return sorted(row[0] for row in result)

    async def _copy(self, rows: list[NewEvent]) -> list[int]:
        """Positions are taken before the rows are written (outside the caller's transaction,
        as sequences are): the gap-safe order is ``(tx_id, position)``, and ``tx_id`` is the
        transaction of the ``COPY``, which is atomic on its own."""
        positions = sorted(await self.native.fetchval(NEXT_POSITIONS, len(rows)))
        await self.native.copy_to_table(
            "events", columns=COPY_COLUMNS, format="binary", source=copy_payload(rows, positions)
        )
        return positions

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
