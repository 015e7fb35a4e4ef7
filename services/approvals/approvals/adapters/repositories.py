"""Approvals' repositories over one store transaction: approvals (event-sourced, with the
lookup of an open approval of a content) and the rules book."""

from __future__ import annotations

from uuid import UUID
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select

from approvals.adapters.projection import rules_from_document
from approvals.adapters.tables import approval_rules, approvals
from approvals.domain.approval import PENDING, VALIDATED, Approval
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
from approvals.domain.rules_book import RULES_STREAM, RulesBook
from events.application.errors import NotFound
from events.persistence import EventSourcedRepository, Tracked
from events.store import SqlEventStore, Transaction

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


_CURRENT_RULES = (
    select(approval_rules.c.rules_version, approval_rules.c.rules)
    .order_by(approval_rules.c.rules_version.desc())
    .limit(1)
)
#: Rules already read, per store and version: a version never changes once defined (a process
#: may hold several stores, each with its own versions: tests do).
_PARSED: WeakKeyDictionary[SqlEventStore, dict[int, ApprovalRules]] = WeakKeyDictionary()


class SqlRulesRepository:
    """``current`` reads the rules' projection (one row, written in the transaction that
    defined the version), not the rules' stream, which grows with every version."""

    def __init__(self, tx: Transaction, tracked: Tracked) -> None:
        self.tx = tx
        self.books = EventSourcedRepository(RulesBook, "rules", tx, tracked)

    async def current(self) -> ApprovalRules:
        row = (await self.tx.connection.execute(_CURRENT_RULES)).first()
        if row is None:
            return DEFAULT_RULES
        parsed = _PARSED.setdefault(self.tx.store, {})
        if row.rules_version not in parsed:
            parsed[row.rules_version] = rules_from_document(row.rules)
        return parsed[row.rules_version]

    async def book(self) -> RulesBook:
        try:
            return await self.books.get(RULES_STREAM)
        except NotFound:
            book = RulesBook()
            self.books.add(book)
            return book
