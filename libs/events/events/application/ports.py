"""Ports every service's use cases depend on: a clock, a unit of work, event-sourced repositories.

Handlers type their arguments with these Protocols (or a service's extension of them); the
adapters in ``events.persistence`` satisfy them, and test fakes subclass them.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Protocol, Self, TypeVar
from uuid import UUID

from events.aggregate_base import Aggregate
from events.envelope import Metadata

__all__ = ["Clock", "Repository", "UnitOfWork"]

A = TypeVar("A", bound=Aggregate)


class Clock(Protocol):
    """The only source of "now" for use cases; always timezone-aware."""

    def now(self) -> datetime: ...


class Repository(Protocol[A]):
    """Aggregates of one type, loaded from and saved to their event streams."""

    async def get(self, aggregate_id: UUID) -> A:
        """The aggregate at its latest version; ``NotFound`` if there is none of this type."""
        ...

    def add(self, aggregate: A) -> None:
        """Track a new aggregate: its events are appended on commit."""
        ...


class UnitOfWork(Protocol):
    """One transaction. ``async with uow:`` opens it; ``commit(metadata)`` saves the pending
    events of every aggregate loaded or added (with their projections); leaving the block
    without ``commit()``, after ``rollback()`` or on an exception persists nothing."""

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self, metadata: Metadata) -> None:
        """Save everything pending; it is durable once the block ends without an error."""
        ...

    async def rollback(self) -> None:
        """Discard the block's work: the transaction rolls back when the block ends."""
        ...
