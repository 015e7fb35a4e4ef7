"""Event-sourced aggregates: state is a fold of the stream; decisions record new events.

A subclass declares ``stream_type`` and one ``when_<EventClassName>`` method per event it
folds. Commands call :meth:`Aggregate.record`, which applies the event at once (so later
checks in the same command see it) and keeps it pending until the repository appends it
with the version the aggregate was loaded at: optimistic concurrency, no lock.
"""

from __future__ import annotations

from typing import ClassVar, Self
from uuid import UUID

from events.catalogue import DomainEvent
from events.envelope import Envelope, Metadata
from events.store import StreamNotFound, Transaction


class Aggregate:
    stream_type: ClassVar[str]

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

    @classmethod
    def rebuild(cls, stream_id: UUID, envelopes: list[Envelope]) -> Self:
        aggregate = cls(stream_id)
        for envelope in envelopes:
            aggregate._apply(envelope.decode())
            aggregate.version = envelope.stream_version
        return aggregate

    @property
    def loaded_version(self) -> int:
        """The version the stream had before the pending events."""
        return self.version


async def load(tx: Transaction, cls: type[Aggregate], stream_id: UUID) -> Aggregate:
    envelopes = await tx.read_stream(stream_id)
    if not envelopes:
        raise StreamNotFound(stream_id)
    return cls.rebuild(stream_id, envelopes)


async def save(
    tx: Transaction, aggregate: Aggregate, metadata: Metadata | None = None
) -> list[Envelope]:
    """Append the aggregate's pending events, expecting the version it was loaded at."""
    if not aggregate.pending:
        return []
    stored = await tx.append(
        aggregate.id, aggregate.stream_type, aggregate.version, aggregate.pending, metadata
    )
    aggregate.version = stored[-1].stream_version
    aggregate.pending = []
    return stored
