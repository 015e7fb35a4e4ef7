"""Erasure of a data subject: destroy their keys, then blank the read models' clear values.

Events are never rewritten: destroying the keys makes every sealed field of the subject
unreadable (in the store, in parked events, on Kafka), while the count of events and the
hash chain stay as they were. Read models hold clear values, so each service registers an
``on_subject_erased`` hook that blanks them.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import ColumnElement, delete, func, literal_column, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from events.persistence.projectors import SubjectErasedHook
from events.pii.keyring import Keyring
from events.tables import events, snapshots


@dataclass(frozen=True)
class Erasure:
    """What :func:`destroy_keys` did: the proof a purge or an erasure request records."""

    subject: str
    categories: frozenset[str] | None
    key_ids: tuple[str, ...]
    events_affected: int
    erased_at: datetime | None


async def destroy_keys(
    keyring: Keyring,
    subject: str,
    categories: Collection[str] | None = None,
    *,
    event_engines: Sequence[AsyncEngine] = (),
    read_models: Sequence[tuple[AsyncEngine, Sequence[SubjectErasedHook]]] = (),
) -> Erasure:
    """Destroy ``subject``'s live keys in ``categories`` (all when ``None``), count the events
    of ``event_engines`` they sealed, and run each service's ``on_subject_erased`` hooks.

    A second erasure, or one of an unknown subject, destroys nothing (``key_ids`` empty) and
    still runs the hooks (blanking twice is harmless)."""
    wanted = frozenset(categories) if categories is not None else None
    key_ids = tuple(await keyring.destroy(subject, wanted))
    affected = 0
    for engine in event_engines:
        affected += await count_sealed_events(engine, subject, key_ids)
    for engine, hooks in read_models:
        async with engine.begin() as connection:
            for hook in hooks:
                await hook(connection, subject, wanted)
    records = [record for record in await keyring.keys_of(subject) if record.key_id in key_ids]
    erased_at = max((r.destroyed_at for r in records if r.destroyed_at), default=None)
    return Erasure(subject, wanted, key_ids, affected, erased_at)


async def count_sealed_events(engine: AsyncEngine, subject: str, key_ids: Collection[str]) -> int:
    """How many events of ``engine``'s store have a field sealed under one of ``key_ids``.
    The snapshots of their streams are dropped (a snapshot is aggregate state in clear; the
    next load folds the stream again, its fields now erased)."""
    if not key_ids:
        return 0
    async with engine.begin() as connection:
        return await count_sealed_events_in(connection, subject, key_ids)


async def count_sealed_events_in(connection: AsyncConnection, subject: str, key_ids: Collection[str]) -> int:
    """:func:`count_sealed_events` in the caller's transaction (a consumer's, which commits the
    count with its inbox row)."""
    if not key_ids:
        return 0
    wanted = set(key_ids)
    count = 0
    streams = set()
    rows = await connection.execute(
        select(events.c.stream_id, events.c.pii).where(marker_subject(connection.dialect.name) == subject)
    )
    for stream_id, pii in rows:
        marker = orjson.loads(pii) if isinstance(pii, str | bytes) else pii
        if marker and wanted.intersection((marker.get("key_id") or "").split()):
            count += 1
            streams.add(stream_id)
    if streams:
        await connection.execute(delete(snapshots).where(snapshots.c.stream_id.in_(sorted(streams))))
    return count


def marker_subject(dialect: str) -> ColumnElement[str]:
    """The data subject of an event's ``pii`` marker, written as the index
    ``ix_events_pii_subject`` (platform migration 0004) is: a literal path, not a bound one,
    or the planner reads the whole log."""
    if dialect == "postgresql":
        return events.c.pii.op("->>")(literal_column("'subject'"))
    return func.json_extract(events.c.pii, literal_column("'$.subject'"))
