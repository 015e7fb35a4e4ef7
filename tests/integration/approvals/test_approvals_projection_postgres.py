"""On PostgreSQL an approval's read-model rows are written by one statement per command
(``approvals.adapters.postgres_projection``): they must be the rows the statement-per-table
projection writes. The same commands, covering each kind of change (validated at once, a
named quorum decided in two calls, a rejection, a second step opening then changes
requested, an expiry, a withdrawal after validation, one left pending), run through the bus
into two databases, one with each projection, and the read models are compared."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Table, select

from approvals.adapters.authorisation_tables import approval_deadlines
from approvals.adapters.authorities import TokenAuthorities
from approvals.adapters.projection import PROJECTORS, project_approval_statements, project_rules
from approvals.adapters.tables import approval_deciders, approval_inbox, approvals, validated_contents
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.app import commands as c
from approvals.app.bus import approvals_bus
from approvals.domain.approval import Approval, Submission
from approvals.domain.authority import Decider
from approvals.domain.errors import AlreadySubmitted
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
from approvals.domain.rules_book import RulesBook
from approvals.service import DEFINITION
from events.application.bus import MessageBus
from events.catalogue.approvals import CircuitStep, Money, StepRule
from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.persistence import Projectors
from events.store import SqlEventStore
from events.testing.servers import make_database

META = Metadata(actor="test")
DIRECTOR = Decider("dora", ("director",), 3)
MANAGER = Decider("bob", ("manager",), 2)
TABLES: tuple[Table, ...] = (
    approvals,
    approval_inbox,
    approval_deciders,
    validated_contents,
    approval_deadlines,
)


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


def named_quorum_rules() -> ApprovalRules:
    step = CircuitStep(step=1, level=2, approvers=("ann", "ben"), quorum="all")
    return ApprovalRules(
        version=1,
        kinds=DEFAULT_RULES.kinds,
        thresholds=DEFAULT_RULES.thresholds,
        circuits=(StepRule(level=2, steps=(step,)), DEFAULT_RULES.circuits[1]),
        default_currency="EUR",
        compensation_kinds=DEFAULT_RULES.compensation_kinds,
    )


STATEMENT_PER_TABLE = Projectors()
STATEMENT_PER_TABLE.register(Approval, project_approval_statements)
STATEMENT_PER_TABLE.register(RulesBook, project_rules)

IDS: Iterator[int] = count(1)


async def submit(bus: MessageBus, kind: str, amount: int = 0) -> UUID:
    """The same ids in both databases: the n-th submission's are derived from n."""
    n = next(IDS)
    amounts = (Money(amount=Decimal(amount), currency="EUR"),) if amount else ()
    submission = Submission(UUID(int=n), f"{n:064x}", kind, "alice", amounts)
    approval: Approval = await bus.handle(c.SubmitForApproval(UUID(int=1_000 + n), submission, META))
    return approval.id


async def decide(bus: MessageBus, approval_id: UUID, decider: Decider, decision: str = "approve") -> str:
    reason = None if decision == "approve" else "not like this"
    decided: Approval = await bus.handle(
        c.DecideApproval(approval_id, decision, decider, reason, metadata=META)  # type: ignore[arg-type]
    )
    return decided.status


async def read_model(store: SqlEventStore) -> dict[str, list[dict[str, Any]]]:
    """Every row of the approval tables, in key order."""
    rows: dict[str, list[dict[str, Any]]] = {}
    async with store.engine.connect() as connection:
        for table in TABLES:
            found = await connection.execute(select(table).order_by(*table.primary_key.columns))
            rows[table.name] = [dict(row._mapping) for row in found]
    return rows


async def commands_projected_by(postgres_url: str, projectors: Projectors) -> dict[str, list[dict[str, Any]]]:
    global IDS
    IDS = count(1)
    engine = create_engine(await make_database(postgres_url, f"approvals_projection_{uuid4().hex[:8]}"))
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        store = SqlEventStore(engine, source="/guichet/approvals")
        clock = Clock()

        def uow() -> SqlUnitOfWork:
            unit = SqlUnitOfWork(store, clock)
            unit.projectors = projectors
            return unit

        bus = approvals_bus(uow, clock, TokenAuthorities())
        await bus.handle(c.DefineRules(named_quorum_rules(), "dora", None, META))

        await submit(bus, "standard_answer")
        quorum = await submit(bus, "commercial_gesture", 200)
        assert await decide(bus, quorum, Decider("ann", ("manager",), 2)) == "pending"
        middle = await read_model(store)
        assert [r["approver"] for r in middle["approval_inbox"] if r["approval_id"] == quorum] == ["ben"]
        assert [r["person"] for r in middle["approval_deciders"] if r["approval_id"] == quorum] == ["ann"]
        assert await decide(bus, quorum, Decider("ben", ("manager",), 2)) == "validated"
        await bus.handle(c.WithdrawApproval(quorum, DIRECTOR, "sent elsewhere", META))
        rejected = await submit(bus, "commercial_gesture", 300)
        assert await decide(bus, rejected, Decider("ann", ("manager",), 2), "reject") == "rejected"
        two_steps = await submit(bus, "amendment")
        clock.at = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
        assert await decide(bus, two_steps, MANAGER) == "pending"
        second_step = await read_model(store)
        (deadline,) = [r for r in second_step["approval_deadlines"] if r["approval_id"] == two_steps]
        assert (deadline["step"], deadline["level"], deadline["opened_at"]) == (2, 3, clock.at)
        assert await decide(bus, two_steps, DIRECTOR, "request_changes") == "changes_requested"
        expired = await submit(bus, "contract")
        await bus.handle(c.ExpireApproval(expired))
        await submit(bus, "legal_risk")
        validated = await submit(bus, "tariff_derogation")
        assert await decide(bus, validated, Decider("ann", ("manager",), 2)) == "pending"
        assert await decide(bus, validated, Decider("ben", ("manager",), 2)) == "validated"
        same_content = Submission(UUID(int=7), f"{7:064x}", "tariff_derogation", "alice")
        with pytest.raises(AlreadySubmitted, match=str(validated)):
            await bus.handle(c.SubmitForApproval(uuid4(), same_content, META))

        return await read_model(store)
    finally:
        await engine.dispose()


async def test_one_statement_writes_the_rows_the_statement_per_table_projection_writes(
    postgres_url: str,
) -> None:
    one_statement = await commands_projected_by(postgres_url, PROJECTORS)
    assert {name: len(rows) for name, rows in one_statement.items()} == {
        "approvals": 7,
        "approval_inbox": 1,
        "approval_deciders": 3,
        "validated_contents": 2,
        "approval_deadlines": 1,
    }
    assert one_statement == await commands_projected_by(postgres_url, STATEMENT_PER_TABLE)
