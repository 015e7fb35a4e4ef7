"""Approvals' repositories over one store transaction: approvals (event-sourced, with the
lookup of an open approval of a content) and the rules book.

A submission asks for the open approval of its content and for the rules in force: the
lookup reads the rules version in force in the same statement, and the rules repository
then answers from it (the rules of a version never change, so each is parsed once per
process and store)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, func, or_, select

from approvals.adapters.projection import rules_from_document
from approvals.adapters.tables import approval_rules, approvals
from approvals.domain.approval import PENDING, VALIDATED, Approval
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
from approvals.domain.rules_book import RULES_STREAM, RulesBook
from events.application.errors import NotFound
from events.persistence import EventSourcedRepository, Tracked, postgres_driver
from events.store import SqlEventStore, Transaction

_OPEN_FOR = select(
    select(approvals.c.approval_id)
    .where(
        approvals.c.request_id == bindparam("request_id"),
        approvals.c.content_hash == bindparam("content_hash"),
        or_(approvals.c.status == PENDING, approvals.c.status == VALIDATED),  # no list to expand
    )
    .limit(1)
    .scalar_subquery()
    .label("approval_id"),
    select(func.max(approval_rules.c.rules_version)).scalar_subquery().label("rules_version"),
)


_OPEN_FOR_POSTGRES = (
    "SELECT (SELECT approval_id FROM approvals WHERE request_id = $1 AND content_hash = $2 "
    f"AND status IN ('{PENDING}', '{VALIDATED}') LIMIT 1), (SELECT max(rules_version) FROM approval_rules)"
)
"""``_OPEN_FOR`` on the asyncpg connection: a submission's first statement, run on every one."""


@dataclass
class RulesInForce:
    """The rules version this transaction read in force (``None`` read: no version defined,
    the defaults apply); ``read`` is False until a statement read it."""

    read: bool = False
    version: int | None = None


class SqlApprovalRepository(EventSourcedRepository[Approval]):
    def __init__(self, tx: Transaction, tracked: Tracked, rules_in_force: RulesInForce | None = None) -> None:
        super().__init__(Approval, "approval", tx, tracked)
        self.rules_in_force = rules_in_force or RulesInForce()

    async def open_for(self, request_id: UUID, content_hash: str) -> UUID | None:
        connection = self.tx.connection
        if connection.dialect.name == "postgresql":
            native = await postgres_driver(connection)
            approval_id, version = await native.fetchrow(_OPEN_FOR_POSTGRES, request_id, content_hash)
        else:
            found = await connection.execute(
                _OPEN_FOR, {"request_id": request_id, "content_hash": content_hash}
            )
            approval_id, version = found.one()
        self.rules_in_force.read, self.rules_in_force.version = True, version
        return UUID(str(approval_id)) if approval_id is not None else None


_CURRENT_RULES = (
    select(approval_rules.c.rules_version, approval_rules.c.rules)
    .order_by(approval_rules.c.rules_version.desc())
    .limit(1)
)
_RULES_OF_VERSION = select(approval_rules.c.rules_version, approval_rules.c.rules).where(
    approval_rules.c.rules_version == bindparam("rules_version")
)
#: Rules already read, per store and version: a version never changes once defined (a process
#: may hold several stores, each with its own versions: tests do).
_PARSED: WeakKeyDictionary[SqlEventStore, dict[int, ApprovalRules]] = WeakKeyDictionary()


class SqlRulesRepository:
    """``current`` reads the rules' projection (one row, written in the transaction that
    defined the version), not the rules' stream, which grows with every version."""

    def __init__(self, tx: Transaction, tracked: Tracked, rules_in_force: RulesInForce | None = None) -> None:
        self.tx = tx
        self.books = EventSourcedRepository(RulesBook, "rules", tx, tracked)
        self.rules_in_force = rules_in_force or RulesInForce()

    async def current(self) -> ApprovalRules:
        parsed = _PARSED.setdefault(self.tx.store, {})
        if self.rules_in_force.read:
            version = self.rules_in_force.version
            if version is None:
                return DEFAULT_RULES
            if version in parsed:
                return parsed[version]
            found = await self.tx.connection.execute(_RULES_OF_VERSION, {"rules_version": version})
        else:
            found = await self.tx.connection.execute(_CURRENT_RULES)
        row = found.first()
        if row is None:
            return DEFAULT_RULES
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
