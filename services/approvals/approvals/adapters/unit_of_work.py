"""Approvals' unit of work: the kit's, with the approval and rules repositories, all in its
one store transaction (events, outbox and projections commit together or not at all), or in
a consumer's transaction it joins (``SqlUnitOfWork(...).joining(connection)``)."""

from __future__ import annotations

from collections.abc import Callable

from approvals.adapters.projection import PROJECTORS
from approvals.adapters.repositories import RulesInForce, SqlApprovalRepository, SqlRulesRepository
from approvals.app.ports import ApprovalRepository, RulesRepository
from events.application.ports import Clock
from events.persistence import SqlUnitOfWork as KitUnitOfWork
from events.store import SqlEventStore, Transaction


class SqlUnitOfWork(KitUnitOfWork):
    def __init__(
        self, store: SqlEventStore, clock: Clock, on_commit: Callable[[], None] | None = None
    ) -> None:
        super().__init__(store, PROJECTORS, clock, on_commit)

    def open(self, tx: Transaction) -> None:
        in_force = RulesInForce()
        self.approvals: ApprovalRepository = SqlApprovalRepository(tx, self.tracked, in_force)
        self.rules: RulesRepository = SqlRulesRepository(tx, self.tracked, in_force)
