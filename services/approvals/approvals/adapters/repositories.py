"""Approvals' repositories over one store transaction: approvals (event-sourced, with the
lookup of an open approval of a content) and the rules book."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import bindparam, select

from approvals.adapters.tables import approvals
from approvals.domain.approval import PENDING, VALIDATED, Approval
from approvals.domain.rules_book import RULES_STREAM, RulesBook
from events.application.errors import NotFound
from events.persistence import EventSourcedRepository, Tracked
from events.store import Transaction

_OPEN_FOR = (
    select(approvals.c.approval_id)
    .where(
        approvals.c.request_id == bindparam("request_id"),
        approvals.c.content_hash == bindparam("content_hash"),
        approvals.c.status.in_((PENDING, VALIDATED)),
    )
    .limit(1)
)


class SqlApprovalRepository(EventSourcedRepository[Approval]):
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        super().__init__(Approval, "approval", tx, tracked)

    async def open_for(self, request_id: UUID, content_hash: str) -> UUID | None:
        row = (
            await self.tx.connection.execute(
                _OPEN_FOR, {"request_id": request_id, "content_hash": content_hash}
            )
        ).first()
        return row.approval_id if row else None


class SqlRulesRepository:
    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        self.books = EventSourcedRepository(RulesBook, "rules", tx, tracked)

    async def book(self) -> RulesBook:
        try:
            return await self.books.get(RULES_STREAM)
        except NotFound:
            book = RulesBook()
            self.books.add(book)
            return book
