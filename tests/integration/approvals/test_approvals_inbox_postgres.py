"""The scoped inbox on PostgreSQL: the rights' filters in SQL (teams), the ceiling per row, and
the next page read after the last row seen when rows are turned away (row-value cursor with
bound parameters, asyncpg); a substitute sees the absent approver's named steps only while the
substitution runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from approvals.adapters.authorisations import SqlAuthorisationsUnitOfWork
from approvals.adapters.recorded_authorities import RecordedAuthorities
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.adapters.views import ApprovalViews
from approvals.app import commands as c
from approvals.app.authorisations import AppointSubstitute, GrantHabilitation, authorisations_bus
from approvals.app.bus import approvals_bus
from approvals.domain.approval import Submission
from approvals.domain.authority import Decider
from approvals.domain.habilitations import Grant, Scope
from approvals.domain.levels import DEFAULT_RULES, ApprovalRules
from approvals.service import DEFINITION
from events.catalogue.approvals import CircuitStep, Money, StepRule
from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database

META = Metadata(actor="test")
DIRECTOR = Decider("dora", ("director",), 3)
BOB = Decider("bob", ("manager",), 2)
CARL = Decider("carl", ("agent",), 1)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


def named(approver: str) -> ApprovalRules:
    step = CircuitStep(step=1, level=2, approvers=(approver,))
    return ApprovalRules(
        version=1,
        kinds=DEFAULT_RULES.kinds,
        thresholds=DEFAULT_RULES.thresholds,
        circuits=(StepRule(level=2, steps=(step,)), DEFAULT_RULES.circuits[1]),
        default_currency="EUR",
        compensation_kinds=DEFAULT_RULES.compensation_kinds,
    )


async def test_the_scoped_inbox_pages_on_past_rows_the_ceiling_turns_away(postgres_url: str) -> None:
    engine = create_engine(await make_database(postgres_url, f"approvals_inbox_{uuid4().hex[:8]}"))
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        store = SqlEventStore(engine, source="/guichet/approvals")
        clock = Clock()
        authorities = RecordedAuthorities(engine)
        bus = approvals_bus(lambda: SqlUnitOfWork(store, clock, lambda: None), clock, authorities)
        grants = authorisations_bus(lambda: SqlAuthorisationsUnitOfWork(store, clock, lambda: None), clock)
        views = ApprovalViews(engine)
        ceiling = Money(amount=Decimal(1000), currency="EUR")
        await grants.handle(
            GrantHabilitation(
                Grant(uuid4(), "bob", 2, Scope(frozenset({"support"}), ceiling=ceiling), T0), DIRECTOR
            )
        )
        await grants.handle(
            AppointSubstitute(
                uuid4(), "bob", "carl", T0 + timedelta(days=1), T0 + timedelta(days=2), DIRECTOR
            )
        )
        await bus.handle(c.DefineRules(named("bob"), "dora", None, META))

        async def submit(team: str, amount: int) -> UUID:
            clock.at += timedelta(minutes=1)
            money = (Money(amount=Decimal(amount), currency="EUR"),)
            submission = Submission(uuid4(), uuid4().hex * 2, "commercial_gesture", "alice", money, team=team)
            return (await bus.handle(c.SubmitForApproval(uuid4(), submission, META))).id

        for _ in range(6):
            await submit("support", 1500)
        await submit("billing", 200)
        within = [await submit("support", 200) for _ in range(3)]

        async def inbox(decider: Decider, limit: int, at: datetime) -> list[UUID]:
            rights = await authorities.rights(decider, at)
            return [row["approval_id"] for row in await views.inbox(rights, limit)]

        now = clock.at
        assert await inbox(BOB, 2, now) == within[:2]
        assert await inbox(BOB, 50, now) == within
        assert await inbox(CARL, 50, now) == []
        assert await inbox(CARL, 2, T0 + timedelta(days=1, hours=1)) == within[:2]
        assert await inbox(CARL, 50, T0 + timedelta(days=2)) == []
    finally:
        await engine.dispose()
