"""The stored events as leaves: the columns a leaf covers, read straight from ``events``.

The transparency log folds every event of the store, so its read path is the hottest of the
audit: building full envelopes (payload and metadata decoded, pydantic objects, payloads
revealed) cost ~30 µs per event of the folding process's CPU, which it shares with the
service's own appends. :func:`leaf_pages` selects only what
:func:`events.audit.leaf.leaf_bytes` covers and hashes each leaf as the row arrives, in the
store's gap-safe order (``read_all``'s rules: on PostgreSQL rows of transactions older than
:data:`events.store.postgres.HORIZON`, walked in ``(tx_id, position)`` order; on SQLite
positions in order).

The leaf bytes are those of :func:`events.audit.leaf.leaf_bytes` exactly (same keys, sorted,
same values): the tests hold the two to the same hashes.
"""

from __future__ import annotations

import struct
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from typing import Any
from uuid import UUID

import orjson
from sqlalchemy import text

from events.audit.leaf import LEAF_FORMAT
from events.audit.merkle import LEAF_PREFIX
from events.db import is_postgres, reading
from events.store import SqlEventStore
from events.store import postgres as pg

_LEAF_COLUMNS = "position, event_id::text, recorded_at, stream_id::text, version, type, prev_hash, hash"
_PG_AFTER = (
    f"SELECT {_LEAF_COLUMNS} FROM events WHERE tx_id < {pg.HORIZON} "
    "AND (tx_id, position) > (SELECT e.tx_id, e.position FROM events e WHERE e.position = $1) "
    "ORDER BY tx_id, position LIMIT $2"
)
_PG_FROM_START = (
    f"SELECT {_LEAF_COLUMNS} FROM events WHERE tx_id < {pg.HORIZON} ORDER BY tx_id, position LIMIT $1"
)
LeafRow = tuple[int, str, datetime, str, int, str, str | None, str]
"""position, event id, recorded_at, stream id, stream version, type, prev_hash, hash."""
_SQLITE_AFTER = text(
    "SELECT position, event_id, recorded_at, stream_id, version, type, prev_hash, hash "
    "FROM events WHERE position > :after ORDER BY position LIMIT :limit"
)


@dataclass(slots=True)
class LeafPage:
    """Consecutive leaves: each event's position, id, type and leaf hash (32 bytes each, end
    to end)."""

    positions: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    hashes: bytearray = field(default_factory=bytearray)

    def __len__(self) -> int:
        return len(self.positions)

    @property
    def last_position(self) -> int:
        return self.positions[-1]

    @property
    def event_ids(self) -> bytes:
        """The ids' 16 bytes each, end to end (one conversion for the page)."""
        return bytes.fromhex("".join(self.ids).replace("-", ""))

    @property
    def position_bytes(self) -> bytes:
        """The positions as 8-byte big-endian integers, end to end."""
        return struct.pack(f">{len(self.positions)}Q", *self.positions)


def _fill(page: LeafPage, source: str, rows: Iterable[LeafRow]) -> None:
    """Hash each row's leaf into ``page``: the bytes of :func:`events.audit.leaf.leaf_bytes`."""
    positions, ids, types, hashes = page.positions, page.ids, page.types, page.hashes
    dumps, utc = orjson.dumps, UTC
    for position, event_id, recorded_at, stream_id, version, type_, prev_hash, hash_ in rows:
        # Keys in sorted order: orjson then writes them as OPT_SORT_KEYS would.
        data = dumps(
            {
                "format": LEAF_FORMAT,
                "hash": hash_,
                "id": event_id,
                "position": position,
                "prev_hash": prev_hash,
                "recorded_at": recorded_at.astimezone(utc).isoformat(),
                "source": source,
                "stream_id": stream_id,
                "stream_version": version,
                "type": type_,
            }
        )
        positions.append(position)
        ids.append(event_id)
        types.append(type_)
        hashes += sha256(LEAF_PREFIX + data).digest()


def _sqlite_rows(rows: Iterable[Any]) -> Iterator[LeafRow]:
    """SQLite's rows in PostgreSQL's form: ids as text with dashes, aware timestamps."""
    for position, event_id, recorded_at, stream_id, version, type_, prev_hash, hash_ in rows:
        moment = recorded_at if isinstance(recorded_at, datetime) else datetime.fromisoformat(recorded_at)
        yield (
            position,
            str(UUID(event_id)),
            moment if moment.tzinfo else moment.replace(tzinfo=UTC),
            str(UUID(stream_id)),
            version,
            type_,
            prev_hash,
            hash_,
        )


async def leaf_pages(store: SqlEventStore, after_position: int, page_size: int) -> AsyncIterator[LeafPage]:
    """Every committed event after the one at ``after_position`` as leaves, ``page_size`` at
    a time, in ``read_all``'s order; iteration ends at the first short page."""
    source = store.source
    if not is_postgres(store.engine):
        while True:
            page = LeafPage()
            async with reading(store.engine) as connection:
                rows = await connection.execute(_SQLITE_AFTER, {"after": after_position, "limit": page_size})
                _fill(page, source, _sqlite_rows(rows))
            if page.positions:
                yield page
                after_position = page.last_position
            if len(page) < page_size:
                return
    async with store.engine.connect() as connection:
        native = await pg.driver(connection)
        while True:
            if after_position:
                records = await native.fetch(_PG_AFTER, after_position, page_size)
            else:
                records = await native.fetch(_PG_FROM_START, page_size)
            page = LeafPage()
            _fill(page, source, records)
            if page.positions:
                yield page
                after_position = page.last_position
            if len(page) < page_size:
                return
