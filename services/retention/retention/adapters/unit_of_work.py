"""Retention's unit of work: the kit's, with its event-sourced repositories in one transaction."""

from __future__ import annotations

from collections.abc import Callable

from events.application.ports import Clock, Repository
from events.persistence import SqlUnitOfWork as KitUnitOfWork
from events.store import SqlEventStore, Transaction
from retention.adapters.projection import PROJECTORS
from retention.domain.holds import LegalHold, PurgeRun
from retention.domain.policies import PolicyBook
from retention.domain.subject_request import SubjectRequest


class SqlUnitOfWork(KitUnitOfWork):
    def __init__(
        self, store: SqlEventStore, clock: Clock, on_commit: Callable[[], None] | None = None
    ) -> None:
        super().__init__(store, PROJECTORS, clock, on_commit)

    def open(self, tx: Transaction) -> None:
        self.policies: Repository[PolicyBook] = self.repository(PolicyBook, "retention policy")
        self.requests: Repository[SubjectRequest] = self.repository(SubjectRequest, "subject request")
        self.holds: Repository[LegalHold] = self.repository(LegalHold, "legal hold")
        self.purges: Repository[PurgeRun] = self.repository(PurgeRun, "purge")
