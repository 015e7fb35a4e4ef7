"""The event store over SQLAlchemy: PostgreSQL in production, SQLite for the embedded default.

Both dialects pass the same contract tests. What differs is how ``read_all`` stays gap-safe:

* PostgreSQL assigns ``position`` at insert but transactions commit in another order. Each
  row records its transaction id (``tx_id xid8``); a reader only returns rows whose
  transaction is older than the oldest one still running (``pg_snapshot_xmin``), and walks
  them in ``(tx_id, position)`` order. No row can later appear before what was already read,
  and no table lock serialises writers.
* SQLite has a single writer (``BEGIN IMMEDIATE``): positions are assigned in commit order.

The global order is therefore ``(tx_id, position)`` on PostgreSQL and ``position`` on SQLite;
callers resume with the ``position`` of the last event they saw.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent
from events.db import is_postgres
from events.envelope import Envelope, Metadata, PiiMarker
from events.ids import new_id
from events.integrity import PayloadProtector, PlainPayloads, chain_hash
from events.observability.metrics import APPENDS, CONFLICTS
from events.store.errors import ConcurrencyError
from events.tables import events as events_table

Clock = Callable[[], datetime]

_COLUMNS = (
    "position, event_id, stream_id, stream_type, version, type, schema_version, time, "
    "recorded_at, data, metadata, pii, prev_hash, hash"
)
_PG_READ_ALL = text(
    f"SELECT {_COLUMNS} FROM events "
    "WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
    "AND (tx_id, position) > (SELECT e.tx_id, e.position FROM events e WHERE e.position = :after) "
    "ORDER BY tx_id, position LIMIT :limit"
)
_PG_READ_ALL_FROM_START = text(
    f"SELECT {_COLUMNS} FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot()) "
    "ORDER BY tx_id, position LIMIT :limit"
)
_SQLITE_READ_ALL = text(
    f"SELECT {_COLUMNS} FROM events WHERE position > :after ORDER BY position LIMIT :limit"
)
_READ_STREAM = text(
    f"SELECT {_COLUMNS} FROM events WHERE stream_id = :stream_id AND version >= :from_version "
    "ORDER BY version"
)
_LAST_OF_STREAM = text(
    "SELECT version, hash FROM events WHERE stream_id = :stream_id ORDER BY version DESC LIMIT 1"
)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class SqlEventStore:
    """Append-only event streams with optimistic concurrency and a gap-safe global order.

    ``source`` is the CloudEvents source of everything appended here (``/guichet/intake``).
    Every method either runs in its own transaction or, given ``connection``, inside the
    caller's (so a service writes its events and its projections in one commit).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        source: str,
        protector: PayloadProtector | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.engine = engine
        self.source = source
        self.protector = protector or PlainPayloads()
        self.clock = clock
        self._postgres = is_postgres(engine)
        self._id_type = events_table.c.stream_id.type

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self.engine.begin() as connection:
            yield Transaction(self, connection)

    async def append(
        self,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None = None,
    ) -> list[Envelope]:
        async with self.transaction() as tx:
            return await tx.append(stream_id, stream_type, expected_version, events, metadata)

    async def read_stream(self, stream_id: UUID, from_version: int = 1) -> list[Envelope]:
        async with self.engine.connect() as connection:
            return await self._read_stream(connection, stream_id, from_version)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        """Up to ``limit`` committed events after the one at ``after_position``, gap-safe."""
        async with self.engine.connect() as connection:
            return await self._read_all(connection, after_position, limit)

    async def head_position(self) -> int:
        """The highest position stored (committed or not yet visible to ``read_all``)."""
        async with self.engine.connect() as connection:
            result = await connection.execute(text("SELECT COALESCE(MAX(position), 0) FROM events"))
            return int(result.scalar_one())

    async def _read_stream(
        self, connection: AsyncConnection, stream_id: UUID, from_version: int
    ) -> list[Envelope]:
        result = await connection.execute(
            _READ_STREAM.bindparams(stream_id=self._bind_id(stream_id), from_version=from_version)
        )
        return [self._to_envelope(row) for row in result]

    async def _read_all(
        self, connection: AsyncConnection, after_position: int, limit: int
    ) -> list[Envelope]:
        if not self._postgres:
            statement = _SQLITE_READ_ALL.bindparams(after=after_position, limit=limit)
        elif after_position:
            statement = _PG_READ_ALL.bindparams(after=after_position, limit=limit)
        else:
            statement = _PG_READ_ALL_FROM_START.bindparams(limit=limit)
        result = await connection.execute(statement)
        return [self._to_envelope(row) for row in result]

    async def _append(
        self,
        connection: AsyncConnection,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None,
    ) -> list[Envelope]:
        last = (
            await connection.execute(_LAST_OF_STREAM.bindparams(stream_id=self._bind_id(stream_id)))
        ).first()
        actual = last[0] if last else 0
        if actual != expected_version:
            CONFLICTS.labels(self.source).inc()
            raise ConcurrencyError(stream_id, expected_version, actual)
        prev_hash: str | None = last[1] if last else None
        now = self.clock()
        envelopes: list[Envelope] = []
        for offset, event in enumerate(events, start=1):
            envelope = self._envelope(
                event, stream_id, stream_type, expected_version + offset, now, metadata, prev_hash
            )
            envelopes.append(envelope)
            prev_hash = envelope.hash
        if not envelopes:
            return []
        try:
            result = await connection.execute(
                events_table.insert().returning(events_table.c.position),
                [self._to_row(envelope) for envelope in envelopes],
            )
            positions = [row[0] for row in result]
        except IntegrityError as error:
            if "version" in str(error.orig) or "stream" in str(error.orig):
                CONFLICTS.labels(self.source).inc()
                raise ConcurrencyError(stream_id, expected_version) from error
            raise
        APPENDS.labels(self.source).inc(len(envelopes))
        return [
            envelope.model_copy(update={"position": position})
            for envelope, position in zip(envelopes, sorted(positions), strict=True)
        ]

    async def _append_streams(
        self,
        connection: AsyncConnection,
        batches: Sequence[tuple[UUID, str, int, Sequence[DomainEvent]]],
    ) -> list[list[Envelope]]:
        """Many streams' appends with one version query and one insert (same checks as
        ``_append``: a stream not at its expected version raises ConcurrencyError)."""
        ids = [self._bind_id(stream_id) for stream_id, *_ in batches]
        heads = {}
        for start in range(0, len(ids), 1000):
            result = await connection.execute(
                text("SELECT stream_id, version, hash FROM events e WHERE stream_id IN :ids AND "
                     "version = (SELECT MAX(version) FROM events m WHERE m.stream_id = e.stream_id)")
                .bindparams(bindparam("ids", expanding=True)), {"ids": ids[start:start + 1000]})
            heads.update({str(row[0]).replace("-", ""): (row[1], row[2]) for row in result})
        now = self.clock()
        out: list[list[Envelope]] = []
        for stream_id, stream_type, expected, events in batches:
            actual, prev_hash = heads.get(stream_id.hex, (0, None))
            if actual != expected:
                CONFLICTS.labels(self.source).inc()
                raise ConcurrencyError(stream_id, expected, actual)
            envelopes = []
            for offset, event in enumerate(events, start=1):
                envelope = self._envelope(event, stream_id, stream_type, expected + offset, now,
                                          None, prev_hash)
                envelopes.append(envelope)
                prev_hash = envelope.hash
            out.append(envelopes)
        rows = [self._to_row(envelope) for envelopes in out for envelope in envelopes]
        if rows:
            try:
                await connection.execute(events_table.insert(), rows)
            except IntegrityError as error:
                CONFLICTS.labels(self.source).inc()
                raise ConcurrencyError(batches[0][0], batches[0][2]) from error
            APPENDS.labels(self.source).inc(len(rows))
        return out

    def _envelope(
        self,
        event: DomainEvent,
        stream_id: UUID,
        stream_type: str,
        version: int,
        now: datetime,
        metadata: Metadata | None,
        prev_hash: str | None,
    ) -> Envelope:
        data = event.model_dump(mode="json")
        pii: PiiMarker | None = None
        if event.pii_fields:
            subject = str(data[event.subject_field]) if event.subject_field else str(stream_id)
            data, pii = self.protector.protect(subject, tuple(sorted(event.pii_fields)), data)
        envelope = Envelope.model_construct(
            id=new_id(),
            source=self.source,
            type=event.event_type,
            time=now,
            stream_id=stream_id,
            stream_type=stream_type,
            stream_version=version,
            schema_version=event.schema_version,
            data=data,
            metadata=metadata or Metadata(),
            position=None,
            recorded_at=now,
            pii=pii,
            prev_hash=prev_hash,
            hash=None,
            specversion="1.0",
            datacontenttype="application/json",
        )
        return envelope.model_copy(update={"hash": chain_hash(prev_hash, envelope)})

    @staticmethod
    def _to_row(envelope: Envelope) -> dict[str, Any]:
        return {
            "event_id": envelope.id,
            "stream_id": envelope.stream_id,
            "stream_type": envelope.stream_type,
            "version": envelope.stream_version,
            "type": envelope.type,
            "schema_version": envelope.schema_version,
            "time": envelope.time,
            "recorded_at": envelope.recorded_at,
            "data": envelope.data,
            "metadata": envelope.metadata.model_dump(mode="json", exclude_none=True),
            "pii": envelope.pii.model_dump(mode="json") if envelope.pii else None,
            "prev_hash": envelope.prev_hash,
            "hash": envelope.hash,
        }

    def _bind_id(self, stream_id: UUID) -> Any:
        return stream_id if self._postgres else stream_id.hex

    def _to_envelope(self, row: Any) -> Envelope:
        (position, event_id, stream_id, stream_type, version, type_, schema_version, time,
         recorded_at, data, metadata, pii, prev_hash, hash_) = row
        if not self._postgres:
            event_id, stream_id = UUID(event_id), UUID(stream_id)
            time, recorded_at = _parse_time(time), _parse_time(recorded_at)
        data, metadata = _parse_json(data), _parse_json(metadata)
        pii = _parse_json(pii) if pii else None
        return Envelope.model_construct(
            id=event_id,
            source=self.source,
            type=type_,
            time=_aware(time),
            stream_id=stream_id,
            stream_type=stream_type,
            stream_version=version,
            schema_version=schema_version,
            data=data,
            metadata=Metadata(**metadata),
            position=position,
            recorded_at=_aware(recorded_at),
            pii=PiiMarker(**pii) if pii else None,
            prev_hash=prev_hash,
            hash=hash_,
            specversion="1.0",
            datacontenttype="application/json",
        )


def _parse_time(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _parse_json(value: Any) -> Any:
    return orjson.loads(value) if isinstance(value, str | bytes) else value


class Transaction:
    """One database transaction of a service: appends, reads and projection writes commit together."""

    def __init__(self, store: SqlEventStore, connection: AsyncConnection) -> None:
        self.store = store
        self.connection = connection

    async def append(
        self,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None = None,
    ) -> list[Envelope]:
        return await self.store._append(
            self.connection, stream_id, stream_type, expected_version, events, metadata
        )

    async def read_stream(self, stream_id: UUID, from_version: int = 1) -> list[Envelope]:
        return await self.store._read_stream(self.connection, stream_id, from_version)

    async def append_streams(
        self, batches: Sequence[tuple[UUID, str, int, Sequence[DomainEvent]]]
    ) -> list[list[Envelope]]:
        """``append`` to many streams at once: ``(stream_id, stream_type, expected_version,
        events)`` each; one round trip for the versions, one insert. Envelopes carry no
        ``position`` (the global order is the relay's business)."""
        return await self.store._append_streams(self.connection, batches)

