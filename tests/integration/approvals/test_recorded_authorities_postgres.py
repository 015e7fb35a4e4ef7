"""Recorded authorities on PostgreSQL (read on the asyncpg connection) and on SQLite (through
SQLAlchemy) give a decider the same rights: their own scoped habilitation, and the right of
an absent approver they substitute, decided on that approver's behalf."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from approvals.adapters.authorisations import SqlAuthorisationsUnitOfWork
from approvals.adapters.recorded_authorities import RecordedAuthorities
from approvals.adapters.unit_of_work import SqlUnitOfWork
from approvals.app import commands as c
from approvals.app.authorisations import (
    AppointSubstitute,
    GrantHabilitation,
    RevokeHabilitation,
    authorisations_bus,
)
from approvals.app.bus import approvals_bus
from approvals.domain.approval import Submission
from approvals.domain.authority import Authority, Decider, DecisionScope, Refusal
from approvals.domain.errors import DecisionRefused
from approvals.domain.habilitations import Grant, Scope
from approvals.service import DEFINITION
from events.catalogue.approvals import Money
from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DIRECTOR = Decider("dora", ("director",), 3)
META = Metadata(actor="dora")


class Clock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'approvals.db'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return await make_database(postgres_url, f"approvals_rights_{uuid4().hex[:8]}")


async def test_own_and_substituted_rights_are_read_alike_on_both_databases(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        store = SqlEventStore(engine, source="/guichet/approvals")
        clock = Clock()
        bus = authorisations_bus(lambda: SqlAuthorisationsUnitOfWork(store, clock, lambda: None), clock)
        ceiling = Money(amount=Decimal(1000), currency="EUR")
        scope = Scope(frozenset({"support"}), frozenset({"commercial_gesture"}), ceiling)
        grant = Grant(uuid4(), "ann", 2, scope, NOW - timedelta(days=1))
        await bus.handle(GrantHabilitation(grant, DIRECTOR, META))
        await bus.handle(
            AppointSubstitute(
                uuid4(), "ann", "sam", NOW - timedelta(hours=1), NOW + timedelta(days=3), DIRECTOR
            )
        )
        authorities = RecordedAuthorities(engine)
        gesture = DecisionScope(
            "commercial_gesture", "support", (Money(amount=Decimal(200), currency="EUR"),)
        )
        over = DecisionScope("commercial_gesture", "support", (Money(amount=Decimal(2000), currency="EUR"),))

        own = await authorities.can_decide(Decider("ann", ("manager",), 2), 2, gesture, NOW)
        assert isinstance(own, Authority) and (own.person, own.level, own.on_behalf_of) == ("ann", 2, None)
        assert isinstance(
            await authorities.can_decide(Decider("ann", ("manager",), 2), 2, over, NOW), Refusal
        )
        standing_in = await authorities.can_decide(Decider("sam", ("agent",), 1), 2, gesture, NOW)
        assert isinstance(standing_in, Authority)
        assert (standing_in.person, standing_in.on_behalf_of) == ("sam", "ann")
        assert isinstance(
            await authorities.can_decide(Decider("tom", ("agent",), 1), 2, gesture, NOW), Refusal
        )
    finally:
        await engine.dispose()


async def test_a_decision_reads_the_rights_in_its_own_transaction_and_sees_a_revocation_at_once(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_approvals")
        store = SqlEventStore(engine, source="/guichet/approvals")
        clock = Clock()
        grants = authorisations_bus(lambda: SqlAuthorisationsUnitOfWork(store, clock, lambda: None), clock)
        decisions = approvals_bus(
            lambda: SqlUnitOfWork(store, clock, lambda: None), clock, RecordedAuthorities(engine)
        )
        scope = Scope(frozenset({"support"}), frozenset({"commercial_gesture"}), None)
        grant = Grant(uuid4(), "ann", 2, scope, NOW - timedelta(days=1))
        await grants.handle(GrantHabilitation(grant, DIRECTOR, META))
        ann = Decider("ann", ("manager",), 2)

        async def submitted() -> c.SubmitForApproval:
            gesture = (Money(amount=Decimal(200), currency="EUR"),)
            submission = Submission(uuid4(), uuid4().hex * 2, "commercial_gesture", "al", gesture, "support")
            command = c.SubmitForApproval(uuid4(), submission, META)
            approval = await decisions.handle(command)
            assert approval.pending_step is not None and approval.pending_step.level == 2
            return command

        first = await submitted()
        approved = await decisions.handle(c.DecideApproval(first.approval_id, "approve", ann, metadata=META))
        assert approved.status == "validated"

        second = await submitted()
        await grants.handle(RevokeHabilitation(grant.habilitation_id, DIRECTOR, "left the team", META))
        with pytest.raises(DecisionRefused):
            await decisions.handle(c.DecideApproval(second.approval_id, "approve", ann, metadata=META))
    finally:
        await engine.dispose()
