"""The event store over SQLAlchemy: PostgreSQL in production, SQLite for the embedded default.

Both dialects pass the same contract tests. What differs is how ``read_all`` stays gap-safe:

* PostgreSQL assigns ``position`` at insert but transactions commit in another order. Each
  row records its transaction id (``tx_id xid8``); a reader only returns rows whose
  transaction is older than the oldest one still running in this database
  (:data:`events.store.postgres.HORIZON`), and walks them in ``(tx_id, position)`` order. No
  row can later appear before what was already read, and no table lock serialises writers.
* SQLite has a single writer (``BEGIN IMMEDIATE``): positions are assigned in commit order.

The global order is therefore ``(tx_id, position)`` on PostgreSQL and ``position`` on SQLite;
callers resume with the ``position`` of the last event they saw.

Speed (see bench/README.md): on PostgreSQL the hot statements go straight to the asyncpg
connection under SQLAlchemy's (:mod:`events.store.postgres`), and a stand-alone
:meth:`SqlEventStore.append` is one autocommitted multi-row ``INSERT`` (atomic on its own)
instead of BEGIN/SELECT/INSERT/COMMIT. The stream's tail ``(version, hash)`` is taken from
what this process last committed or read when the caller's ``expected_version`` matches it;
a stale tail cannot corrupt a stream, because the unique ``(stream_id, version)`` index turns
it into a :class:`ConcurrencyError`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.catalogue import DomainEvent
from events.db import is_postgres, reading
from events.envelope import EMPTY_METADATA, JSON, SPEC_VERSION, Envelope, Metadata, PiiMarker
from events.ids import new_id
from events.integrity import PayloadProtector, PayloadSealer, PlainPayloads, canonical_body, link_hash
from events.observability.metrics import APPENDS, CONFLICTS
from events.store import postgres
from events.store.errors import ConcurrencyError
from events.store.records import NewEvent, Tail, stored_envelope
from events.tables import events as events_table

Clock = Callable[[], datetime]

_COLUMNS = (
    "position, event_id, stream_id, stream_type, version, type, schema_version, time, "
    "recorded_at, data, metadata, pii, prev_hash, hash"
)
_SQLITE_READ_ALL = text(
    f"SELECT {_COLUMNS} FROM events WHERE position > :after ORDER BY position LIMIT :limit"
)
_SQLITE_READ_STREAM = text(
    f"SELECT {_COLUMNS} FROM events WHERE stream_id = :stream_id AND version >= :from_version "
    "ORDER BY version"
)
_SQLITE_TAILS = text(
    "SELECT stream_id, version, hash FROM events e WHERE stream_id IN :ids AND "
    "version = (SELECT MAX(version) FROM events m WHERE m.stream_id = e.stream_id)"
).bindparams(bindparam("ids", expanding=True))
_TAIL_CACHE_LIMIT = 100_000


def utc_now() -> datetime:
    return datetime.now(UTC)


class StreamTails:
    """Last known ``(version, hash)`` per stream, only ever moving forward."""

    def __init__(self) -> None:
        self._tails: dict[UUID, Tail] = {}

    def get(self, stream_id: UUID) -> Tail | None:
        return self._tails.get(stream_id)

    def remember(self, stream_id: UUID, tail: Tail) -> None:
        known = self._tails.get(stream_id)
        if known is None or known[0] < tail[0]:
            if len(self._tails) >= _TAIL_CACHE_LIMIT:
                self._tails.clear()
            self._tails[stream_id] = tail

    def forget(self, stream_id: UUID) -> None:
        self._tails.pop(stream_id, None)

    def merge(self, other: StreamTails) -> None:
        for stream_id, tail in other._tails.items():
            self.remember(stream_id, tail)


class Rows(Protocol):
    """The statements the store runs, per dialect. ``insert`` raises ``ConcurrencyError``
    (without ``actual``) when a ``(stream_id, version)`` is already taken."""

    async def tails(self, stream_ids: Sequence[UUID]) -> dict[UUID, Tail]: ...

    async def insert(self, rows: list[NewEvent]) -> list[int]: ...

    async def read_stream(self, stream_id: UUID, from_version: int) -> list[Envelope]: ...

    async def read_all(self, after_position: int, limit: int) -> list[Envelope]: ...


class SqlEventStore:
    """Append-only event streams with optimistic concurrency and a gap-safe global order.

    ``source`` is the CloudEvents source of everything appended here (``/guichet/intake``).
    Every method either runs on its own or, through :meth:`transaction`, inside the caller's
    transaction (so a service writes its events and its projections in one commit).
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
        self._tails = StreamTails()
        self._appended = APPENDS.labels(source)
        self._conflicts = CONFLICTS.labels(source)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        async with self.engine.begin() as connection:
            tx = Transaction(self, connection)
            yield tx
        self._tails.merge(tx.tails)

    async def append(
        self,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None = None,
    ) -> list[Envelope]:
        try:
            if not self._postgres:
                async with self.transaction() as tx:
                    return await tx.append(stream_id, stream_type, expected_version, events, metadata)
            sealer = None
            if self.protector.encrypts:
                # Keys first (created or unwrapped into the cache), before this append holds a
                # connection: the key database may share this engine's pool.
                sealer = await self.protector.sealer(
                    _subject_categories([(stream_id, stream_type, 0, events)])
                )
            async with self.engine.connect() as connection:
                rows = postgres.Statements(await postgres.driver(connection), self.source)
                return await self._append(
                    rows, self._tails, stream_id, stream_type, expected_version, events, metadata, sealer
                )
        except ConcurrencyError as error:
            if error.actual is not None:
                raise
            async with reading(self.engine) as connection:
                tails = await (await self._rows(connection)).tails([stream_id])
            actual = tails.get(stream_id, (0, None))[0]
            raise ConcurrencyError(stream_id, expected_version, actual) from error

    async def read_stream(self, stream_id: UUID, from_version: int = 1) -> list[Envelope]:
        async with reading(self.engine) as connection:
            envelopes = await (await self._rows(connection)).read_stream(stream_id, from_version)
        return await self.protector.reveal(envelopes)

    async def read_all(self, after_position: int = 0, limit: int = 1000) -> list[Envelope]:
        """Up to ``limit`` committed events after the one at ``after_position``, gap-safe."""
        async with reading(self.engine) as connection:
            envelopes = await (await self._rows(connection)).read_all(after_position, limit)
        return await self.protector.reveal(envelopes)

    async def iter_all(self, after_position: int = 0, page_size: int = 1000) -> AsyncIterator[list[Envelope]]:
        """Every committed event after ``after_position``, page by page, in ``read_all``'s
        order (replays, projection rebuilds). On PostgreSQL the next page is already being
        fetched while the caller folds the current one; iteration ends at the first short
        page. (SQLite's reads take its single write lock: no connection is held across
        pages there.)"""
        if not self._postgres:
            page = await self.read_all(after_position, page_size)
            while page:
                yield page
                if len(page) < page_size:
                    return
                page = await self.read_all(page[-1].position or 0, page_size)
            return
        async with self.engine.connect() as connection:
            rows = await self._rows(connection)
            following: asyncio.Future[list[Envelope]] | None = None
            try:
                page = await rows.read_all(after_position, page_size)
                while page:
                    following = None
                    if len(page) == page_size:
                        following = asyncio.ensure_future(rows.read_all(page[-1].position or 0, page_size))
                    yield await self.protector.reveal(page)
                    page = await following if following else []
            finally:
                if following is not None and not following.done():
                    following.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await following

    async def head_position(self) -> int:
        """The highest position stored (committed or not yet visible to ``read_all``)."""
        async with reading(self.engine) as connection:
            result = await connection.execute(text("SELECT COALESCE(MAX(position), 0) FROM events"))
            return int(result.scalar_one())

    async def _rows(self, connection: AsyncConnection, *, in_transaction: bool = False) -> Rows:
        if self._postgres:
            driver = await postgres.driver(connection, in_transaction=in_transaction)
            return postgres.Statements(driver, self.source)
        return SqliteRows(connection, self.source)

    async def _append(
        self,
        rows: Rows,
        tails: StreamTails,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None,
        sealer: PayloadSealer | None = None,
    ) -> list[Envelope]:
        [stored] = await self._append_many(
            rows, tails, [(stream_id, stream_type, expected_version, events)], metadata, sealer
        )
        return stored

    async def _append_many(
        self,
        rows: Rows,
        tails: StreamTails,
        batches: Sequence[tuple[UUID, str, int, Sequence[DomainEvent]]],
        metadata: Metadata | None,
        sealer: PayloadSealer | None = None,
    ) -> list[list[Envelope]]:
        """Check every stream's version (one query for those whose tail is not known; none for
        a stream expected new), then insert all events in one statement; envelopes are built
        once, hash included."""
        known = {stream_id: tails.get(stream_id) for stream_id, *_ in batches}
        for stream_id, _, expected, _ in batches:
            if expected == 0 and known[stream_id] is None:
                known[stream_id] = (0, None)  # a new stream: if it exists, version 1 is taken
        unknown = [
            stream_id for stream_id, _, expected, _ in batches if (known[stream_id] or (-1,))[0] != expected
        ]
        if unknown:
            known.update(await rows.tails(unknown))
        now = self.clock()
        if sealer is None:
            sealer = await self.protector.sealer(
                _subject_categories(batches) if self.protector.encrypts else ()
            )
        writer = _EnvelopeWriter(self, sealer, now, metadata or EMPTY_METADATA)
        planned: list[list[NewEvent]] = []
        for stream_id, stream_type, expected, events in batches:
            actual, prev_hash = known.get(stream_id) or (0, None)
            if actual != expected:
                self._conflicts.inc()
                raise ConcurrencyError(stream_id, expected, actual)
            stream: list[NewEvent] = []
            for offset, event in enumerate(events, start=1):
                stream.append(writer.new(event, stream_id, stream_type, expected + offset, prev_hash))
                prev_hash = stream[-1].fields["hash"]
            planned.append(stream)
        flat = [new for stream in planned for new in stream]
        if not flat:
            return [[] for _ in batches]
        try:
            positions = await rows.insert(flat)
        except ConcurrencyError as error:
            for stream_id, *_ in batches:
                tails.forget(stream_id)
            self._conflicts.inc()
            raise ConcurrencyError(error.stream_id, error.expected) from error
        for new, position in zip(flat, positions, strict=True):
            new.fields["position"] = position
        self._appended.inc(len(flat))
        out = []
        for (stream_id, *_), stream in zip(batches, planned, strict=True):
            if stream:
                last = stream[-1].fields
                tails.remember(stream_id, (last["stream_version"], last["hash"]))
            out.append([new.envelope() for new in stream])
        return out


def subject_of(event: DomainEvent, stream_id: UUID) -> str:
    """Whose key protects ``event``'s personal fields. No known data subject (a sender who is
    not a customer): the stream is the subject, so each anonymous sender's data can be erased
    on its own."""
    subject = getattr(event, event.subject_field) if event.subject_field else None
    return str(stream_id) if subject is None else str(subject)


def _subject_categories(
    batches: Sequence[tuple[UUID, str, int, Sequence[DomainEvent]]],
) -> set[tuple[str, str]]:
    pairs: set[tuple[str, str]] = set()
    for stream_id, _, _, events in batches:
        for event in events:
            if event.pii_fields:
                subject = subject_of(event, stream_id)
                pairs.update(
                    (subject, category)
                    for field, category in event.pii_categories.items()
                    if getattr(event, field) is not None
                )
    return pairs


class _EnvelopeWriter:
    """Builds the fields of new envelopes for one append: what is shared is serialised once."""

    def __init__(
        self, store: SqlEventStore, sealer: PayloadSealer, now: datetime, metadata: Metadata
    ) -> None:
        self.store = store
        self.sealer = sealer
        self.now = now
        self.now_text = now.isoformat()
        self.metadata = metadata
        self.metadata_for_hash = metadata.model_dump(mode="json")
        self.metadata_stored = {k: v for k, v in self.metadata_for_hash.items() if v is not None}

    def new(
        self,
        event: DomainEvent,
        stream_id: UUID,
        stream_type: str,
        version: int,
        prev_hash: str | None,
    ) -> NewEvent:
        data = event.__pydantic_serializer__.to_python(event, mode="json")  # model_dump minus 0.5 µs
        event_id = new_id()
        pii: PiiMarker | None = None
        pii_stored: dict[str, Any] | None = None
        clear: dict[str, Any] | None = None
        if event.pii_fields:
            clear = data
            data, pii, pii_stored = self.sealer.protect(
                subject_of(event, stream_id),
                event.pii_categories,
                data,
                event_id=event_id,
                stream_id=stream_id,
            )
        body = canonical_body(
            event_id=event_id,
            type_=event.event_type,
            schema_version=event.schema_version,
            stream_id=stream_id,
            stream_type=stream_type,
            stream_version=version,
            time=self.now_text,
            data=data,
            metadata=self.metadata_for_hash,
            pii=pii_stored,
        )
        return NewEvent(
            {
                "id": event_id,
                "source": self.store.source,
                "type": event.event_type,
                "time": self.now,
                "stream_id": stream_id,
                "stream_type": stream_type,
                "stream_version": version,
                "schema_version": event.schema_version,
                "data": data,
                "metadata": self.metadata,
                "position": None,
                "recorded_at": self.now,
                "pii": pii,
                "prev_hash": prev_hash,
                "hash": link_hash(prev_hash, body),
                "specversion": SPEC_VERSION,
                "datacontenttype": JSON,
                "sealed": None,
                "erased_fields": (),
            },
            self.metadata_stored,
            pii_stored,
            None if data is clear else clear,
        )


class SqliteRows:
    """The store's statements through SQLAlchemy on SQLite (the embedded default)."""

    def __init__(self, connection: AsyncConnection, source: str) -> None:
        self.connection = connection
        self.source = source

    async def tails(self, stream_ids: Sequence[UUID]) -> dict[UUID, Tail]:
        found: dict[UUID, Tail] = {}
        ids = [stream_id.hex for stream_id in stream_ids]
        for start in range(0, len(ids), 500):
            result = await self.connection.execute(_SQLITE_TAILS, {"ids": ids[start : start + 500]})
            found.update({UUID(row[0]): (row[1], row[2]) for row in result})
        return found

    async def insert(self, rows: list[NewEvent]) -> list[int]:
        values = [new.columns() for new in rows]
        try:
            result = await self.connection.execute(
                events_table.insert().returning(events_table.c.position), values
            )
        except IntegrityError as error:
            if "version" in str(error.orig) or "stream" in str(error.orig):
                first = rows[0].fields
                raise ConcurrencyError(first["stream_id"], first["stream_version"] - 1) from error
            raise
        return sorted(row[0] for row in result)

    async def read_stream(self, stream_id: UUID, from_version: int) -> list[Envelope]:
        result = await self.connection.execute(
            _SQLITE_READ_STREAM, {"stream_id": stream_id.hex, "from_version": from_version}
        )
        return [self._envelope(row) for row in result]

    async def read_all(self, after_position: int, limit: int) -> list[Envelope]:
        result = await self.connection.execute(_SQLITE_READ_ALL, {"after": after_position, "limit": limit})
        return [self._envelope(row) for row in result]

    def _envelope(self, row: Any) -> Envelope:
        return sqlite_envelope(self.source, row)


def sqlite_envelope(source: str, row: Any) -> Envelope:
    """An envelope from a row of the SQLite events table, in its column order."""
    position, event_id, stream_id, stream_type, version, type_, schema_version, time, recorded_at, *rest = row
    data, metadata, pii, prev_hash, hash_ = rest
    return stored_envelope(
        source,
        position,
        UUID(event_id),
        UUID(stream_id),
        stream_type,
        version,
        type_,
        schema_version,
        _aware(time),
        _aware(recorded_at),
        data,
        metadata,
        pii,
        prev_hash,
        hash_,
    )


def _aware(value: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class Transaction:
    """One database transaction of a service: appends, reads and projection writes commit together.

    It remembers the tail of every stream it read or wrote, so the usual load → decide →
    save needs no second look at the stream before the insert.
    """

    def __init__(self, store: SqlEventStore, connection: AsyncConnection) -> None:
        self.store = store
        self.connection = connection
        self.tails = StreamTails()
        self._statements: Rows | None = None

    async def append(
        self,
        stream_id: UUID,
        stream_type: str,
        expected_version: int,
        events: Sequence[DomainEvent],
        metadata: Metadata | None = None,
    ) -> list[Envelope]:
        return await self.store._append(
            await self._rows(),
            self.tails,
            stream_id,
            stream_type,
            expected_version,
            events,
            metadata,
        )

    async def read_stream(self, stream_id: UUID, from_version: int = 1) -> list[Envelope]:
        envelopes = await (await self._rows()).read_stream(stream_id, from_version)
        envelopes = await self.store.protector.reveal(envelopes)
        if envelopes:
            self.tails.remember(stream_id, (envelopes[-1].stream_version, envelopes[-1].hash))
        elif from_version == 1:
            self.tails.remember(stream_id, (0, None))
        return envelopes

    async def append_streams(
        self, batches: Sequence[tuple[UUID, str, int, Sequence[DomainEvent]]]
    ) -> list[list[Envelope]]:
        """``append`` to many streams at once: ``(stream_id, stream_type, expected_version,
        events)`` each; one query for the versions not already known, one insert."""
        return await self.store._append_many(await self._rows(), self.tails, batches, None)

    async def _rows(self) -> Rows:
        if self._statements is None:
            self._statements = await self.store._rows(self.connection, in_transaction=True)
        return self._statements
