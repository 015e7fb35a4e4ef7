"""Event-sourced aggregates: state is a fold of the stream; decisions record new events.

A subclass declares ``stream_type`` and one ``when_<EventClassName>`` method per event it
folds. Commands call :meth:`Aggregate.record`, which applies the event at once (so later
checks in the same command see it) and keeps it pending until :func:`save` appends it with
the version the aggregate was loaded at: optimistic concurrency, no lock.

Long streams: a subclass that sets ``snapshot_every`` and implements ``snapshot_state`` /
``from_snapshot`` is saved as a snapshot every that many events, and loaded from the latest
snapshot plus the events after it. A snapshot whose ``snapshot_version`` differs from the
class's is ignored (the stream is folded from the start), so changing the state's shape
never needs a migration.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self, TypeVar
from uuid import UUID

from sqlalchemy import select

from events.catalogue import DomainEvent
from events.envelope import Envelope, Metadata
from events.sqlutil import upsert
from events.store import StreamNotFound, Transaction
from events.tables import snapshots


class Aggregate:
    stream_type: ClassVar[str]
    snapshot_every: ClassVar[int | None] = None
    snapshot_version: ClassVar[int] = 1

    def __init__(self, stream_id: UUID) -> None:
        self.id = stream_id
        self.version = 0
        self.pending: list[DomainEvent] = []

    def record(self, event: DomainEvent) -> None:
        self._apply(event)
        self.pending.append(event)

    def _apply(self, event: DomainEvent) -> None:
        handler = getattr(self, f"when_{type(event).__name__}", None)
        if handler is not None:
            handler(event)

    def fold(self, envelopes: list[Envelope]) -> Self:
        for envelope in envelopes:
            self._apply(envelope.decode())
            self.version = envelope.stream_version
        return self

    @classmethod
    def rebuild(cls, stream_id: UUID, envelopes: list[Envelope]) -> Self:
        return cls(stream_id).fold(envelopes)

    def snapshot_state(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} sets snapshot_every but cannot snapshot")

    @classmethod
    def from_snapshot(cls, stream_id: UUID, state: dict[str, Any]) -> Self:
        raise NotImplementedError(f"{cls.__name__} sets snapshot_every but cannot restore")


A = TypeVar("A", bound=Aggregate)


async def load(tx: Transaction, cls: type[A], stream_id: UUID) -> A:
    """The aggregate at its latest version; :class:`StreamNotFound` if it has no events."""
    aggregate: A | None = None
    if cls.snapshot_every:
        row = (await tx.connection.execute(
            select(snapshots).where(snapshots.c.stream_id == stream_id)
        )).first()
        if row is not None and row.schema_version == cls.snapshot_version:
            aggregate = cls.from_snapshot(stream_id, row.state)
            aggregate.version = row.version
    if aggregate is None:
        aggregate = cls(stream_id)
    aggregate.fold(await tx.read_stream(stream_id, from_version=aggregate.version + 1))
    if aggregate.version == 0:
        raise StreamNotFound(stream_id)
    return aggregate


async def save(
    tx: Transaction, aggregate: Aggregate, metadata: Metadata | None = None
) -> list[Envelope]:
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
        await upsert(tx.connection, snapshots, {
            "stream_id": aggregate.id, "version": aggregate.version,
            "schema_version": type(aggregate).snapshot_version,
            "state": aggregate.snapshot_state(),
        }, ["stream_id"])
    return stored
