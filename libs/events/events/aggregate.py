"""Loading and saving event-sourced aggregates in a store transaction (internal: services use
``events.persistence.EventSourcedRepository`` and the unit of work, which call these).

The pure base class lives in :mod:`events.aggregate_base` (domains import it from there);
this module adds loading and saving through a store transaction. A subclass declares
``stream_type`` and one ``when_<EventClassName>`` method per event it folds. Commands call
:meth:`Aggregate.record`, which applies the event at once (so later checks in the same command
see it) and keeps it pending until :func:`save` appends it with the version the aggregate was
loaded at: optimistic concurrency, no lock.

Long streams: a subclass that sets ``snapshot_every`` and implements ``snapshot_state`` /
``from_snapshot`` is saved as a snapshot every that many events, and loaded from the latest
snapshot plus the events after it. A snapshot whose ``snapshot_version`` differs from the
class's is ignored (the stream is folded from the start), so changing the state's shape
never needs a migration.
"""

from __future__ import annotations

from typing import TypeVar
from uuid import UUID

from sqlalchemy import select

from events.aggregate_base import Aggregate
from events.envelope import Envelope, Metadata
from events.sqlutil import upsert
from events.store import StreamNotFound, Transaction
from events.tables import snapshots

__all__ = ["Aggregate", "load", "save"]

A = TypeVar("A", bound=Aggregate)


async def load(tx: Transaction, cls: type[A], stream_id: UUID) -> A:
    """The aggregate at its latest version; :class:`StreamNotFound` if it has no events or is
    the stream of another type of aggregate."""
    aggregate: A | None = None
    if cls.snapshot_every:
        row = (
            await tx.connection.execute(select(snapshots).where(snapshots.c.stream_id == stream_id))
        ).first()
        if row is not None and row.schema_version == cls.snapshot_version:
            aggregate = cls.from_snapshot(stream_id, row.state)
            aggregate.version = row.version
    if aggregate is None:
        aggregate = cls(stream_id)
    envelopes = await tx.read_stream(stream_id, from_version=aggregate.version + 1)
    if envelopes and envelopes[0].stream_type != cls.stream_type:
        raise StreamNotFound(stream_id)  # ids are global: this one is another type's stream
    aggregate.fold(envelopes)
    if aggregate.version == 0:
        raise StreamNotFound(stream_id)
    return aggregate


async def save(tx: Transaction, aggregate: Aggregate, metadata: Metadata | None = None) -> list[Envelope]:
    """Append the aggregate's pending events, expecting the version it was loaded at."""
    if not aggregate.pending:
        return []
    before = aggregate.version
    stored = await tx.append(
        aggregate.id, aggregate.stream_type, aggregate.version, aggregate.pending, metadata
    )
    aggregate.version = stored[-1].stream_version
    aggregate.pending = []
    every = type(aggregate).snapshot_every
    if every and aggregate.version // every > before // every:
        await upsert(
            tx.connection,
            snapshots,
            {
                "stream_id": aggregate.id,
                "version": aggregate.version,
                "schema_version": type(aggregate).snapshot_version,
                "state": aggregate.snapshot_state(),
            },
            ["stream_id"],
        )
    return stored
