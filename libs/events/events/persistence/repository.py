"""The event-sourced repository: aggregates of one type, tracked for the unit of work."""

from __future__ import annotations

from typing import Generic, TypeVar
from uuid import UUID

from events.aggregate import load
from events.aggregate_base import Aggregate
from events.application.errors import NotFound
from events.store import StreamNotFound, Transaction

__all__ = ["EventSourcedRepository", "Tracked"]

A = TypeVar("A", bound=Aggregate)


class Tracked:
    """Aggregates loaded or added in one transaction, in that order, with whether each is new:
    what the unit of work saves and projects on commit."""

    def __init__(self) -> None:
        self.seen: list[tuple[Aggregate, bool]] = []

    def track(self, aggregate: Aggregate, created: bool) -> None:
        self.seen.append((aggregate, created))


class EventSourcedRepository(Generic[A]):
    """``get`` folds the aggregate's stream in the transaction; ``add`` tracks a new one. Both
    hand the aggregate to ``tracked``, so the unit of work saves it on commit. ``kind`` names
    the aggregate in ``NotFound`` ("request", "customer")."""

    def __init__(self, aggregate_type: type[A], kind: str, tx: Transaction, tracked: Tracked) -> None:
        self.aggregate_type, self.kind = aggregate_type, kind
        self.tx, self.tracked = tx, tracked

    async def get(self, aggregate_id: UUID) -> A:
        try:
            aggregate = await load(self.tx, self.aggregate_type, aggregate_id)
        except StreamNotFound:
            raise NotFound(self.kind, aggregate_id) from None
        self.tracked.track(aggregate, created=False)
        return aggregate

    def add(self, aggregate: A) -> None:
        self.tracked.track(aggregate, created=True)
