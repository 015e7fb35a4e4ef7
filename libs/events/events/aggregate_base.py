"""The pure half of event-sourced aggregates: record and fold, no I/O (domains may import it).

A subclass declares ``stream_type`` and one ``when_<EventClassName>`` method per event it
folds. Commands call :meth:`Aggregate.record`, which applies the event at once (so later
checks in the same command see it) and keeps it pending until ``events.aggregate.save``
appends it with the version the aggregate was loaded at.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self
from uuid import UUID

from events.catalogue import DomainEvent
from events.envelope import Envelope


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
