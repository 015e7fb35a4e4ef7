"""Approvals' unit of work: the kit's, with the approval and rules repositories, all in its
one store transaction (events, outbox and projections commit together or not at all)."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.projection import PROJECTORS
from approvals.adapters.repositories import SqlApprovalRepository, SqlRulesRepository
from approvals.app.ports import ApprovalRepository, RulesRepository
from events.application.ports import Clock
from events.persistence import SqlUnitOfWork as KitUnitOfWork
from events.persistence.repository import Tracked
from events.store import SqlEventStore, Transaction


class SqlUnitOfWork(KitUnitOfWork):
    def __init__(
        self, store: SqlEventStore, clock: Clock, on_commit: Callable[[], None] | None = None
    ) -> None:
        super().__init__(store, PROJECTORS, clock, on_commit)

    def open(self, tx: Transaction) -> None:
        self.approvals: ApprovalRepository = SqlApprovalRepository(tx, self.tracked)
        self.rules: RulesRepository = SqlRulesRepository(tx, self.tracked)


class JoinedUnitOfWork(SqlUnitOfWork):
    """A unit of work inside a consumer's transaction: the approval a consumed event requests
    and the event marked handled commit together (on SQLite a second writer would wait for the
    consumer's own). The consumer's transaction commits or rolls back; this one never does."""

    def __init__(
        self,
        store: SqlEventStore,
        clock: Clock,
        connection: AsyncConnection,
        on_commit: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(store, clock, on_commit)
        self.connection = connection

    async def __aenter__(self) -> Self:
        self.tx = Transaction(self.store, self.connection)
        self.tracked = Tracked()
        self.projected = []
        self._committed = self._appended = False
        self.open(self.tx)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if error is None and self._committed and self._appended:
            self.committed()
