"""The SQL unit of work: one store transaction for events, projections and bookkeeping rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from events.aggregate import save
from events.aggregate_base import Aggregate
from events.application.ports import Clock
from events.envelope import Metadata
from events.persistence.projectors import Projectors
from events.persistence.repository import EventSourcedRepository, Tracked
from events.store import SqlEventStore, Transaction

__all__ = ["Projected", "SqlUnitOfWork"]

A = TypeVar("A", bound=Aggregate)


@dataclass(frozen=True, slots=True)
class Projected:
    """One aggregate saved by a commit, and what its projector returned."""

    aggregate: Aggregate
    created: bool
    result: Any


class _NotCommitted(Exception):
    """Thrown into the store transaction to roll it back when the block ends without commit."""


class SqlUnitOfWork:
    """``async with uow:`` opens one store transaction; ``commit(metadata)`` appends the pending
    events of every aggregate its repositories loaded or added and runs their registered
    projectors in that transaction. The transaction commits when the block ends, only if
    ``commit()`` ran and nothing raised; otherwise (no ``commit()``, ``rollback()``, an
    exception) nothing of the block persists: no event, projection or bookkeeping row.

    After a commit that appended events, :meth:`committed` runs (by default: ``on_commit``,
    which wakes the relay). A service subclasses it and builds its repositories in
    :meth:`open`, with :meth:`repository` for its event-sourced aggregates.

    :meth:`joining` runs it inside a transaction the caller already holds instead (a
    consumer's), as a savepoint of that transaction."""

    def __init__(
        self,
        store: SqlEventStore,
        projectors: Projectors,
        clock: Clock,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        self.store, self.projectors, self.clock = store, projectors, clock
        self.on_commit = on_commit
        self._joined: AsyncConnection | None = None

    def joining(self, connection: AsyncConnection) -> Self:
        """This unit of work, run inside the transaction open on ``connection`` (a consumer's,
        which marks its event handled in the same commit) instead of a transaction of its own.

        Its block is a savepoint of that transaction: ``commit()`` keeps the block's events,
        projections and bookkeeping rows in it; no ``commit()``, ``rollback()`` or an
        exception undoes them and leaves the caller's transaction usable. The caller's
        transaction then commits or rolls back: this unit of work never ends it.
        :meth:`committed` runs when a committed block ends; the store's cache of stream
        tails learns nothing from it (the caller's transaction may still roll back)."""
        self._joined = connection
        return self

    def open(self, tx: Transaction) -> None:
        """Build the service's repositories over the transaction just begun."""

    def repository(self, aggregate_type: type[A], kind: str) -> EventSourcedRepository[A]:
        """An event-sourced repository of ``aggregate_type`` in this unit of work."""
        return EventSourcedRepository(aggregate_type, kind, self.tx, self.tracked)

    def committed(self) -> None:
        """Runs once the transaction has committed, if the commit appended events."""
        if self.on_commit is not None:
            self.on_commit()

    async def __aenter__(self) -> Self:
        self._context: AbstractAsyncContextManager[Transaction] = (
            self.store.transaction() if self._joined is None else _savepoint(self.store, self._joined)
        )
        self.tx = await self._context.__aenter__()
        self.tracked = Tracked()
        self.projected: list[Projected] = []
        self._committed = self._appended = False
        self.open(self.tx)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if error is None and self._committed:
            await self._context.__aexit__(None, None, None)
            if self._appended:
                self.committed()
            return
        if error is None:
            error = _NotCommitted()
            kind, tb = _NotCommitted, None
        await self._context.__aexit__(kind, error, tb)  # rolls back; the caller's error propagates

    async def commit(self, metadata: Metadata) -> None:
        now = self.clock.now()
        for aggregate, created in self.tracked.seen:
            if not aggregate.pending:
                continue
            await save(self.tx, aggregate, metadata)
            self._appended = True
            result = await self.projectors.project(self.tx.connection, aggregate, created, now)
            self.projected.append(Projected(aggregate, created, result))
        self._committed = True

    async def rollback(self) -> None:
        self._committed = False


@asynccontextmanager
async def _savepoint(store: SqlEventStore, connection: AsyncConnection) -> AsyncIterator[Transaction]:
    """A store transaction over a savepoint of the transaction open on ``connection``:
    released when the block ends normally, rolled back to when it raises."""
    async with connection.begin_nested():
        yield Transaction(store, connection)
