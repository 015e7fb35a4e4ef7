"""Real write races on PostgreSQL: two commands read the same version, then both write.

The commands run concurrently on their own connections; `SqlUnitOfWork.commit` is wrapped only
to hold each one until both have read, so who writes first is decided by the test, not by luck.
The loser's insert waits on the `(stream_id, version)` unique index until the winner commits.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from events.application.bus import MessageBus
from events.application.errors import StaleVersion
from events.catalogue import intake as ev
from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.service.http import application_problem
from events.store import ConcurrencyError, SqlEventStore
from events.testing.servers import make_database
from intake.adapters.unit_of_work import SqlUnitOfWork
from intake.app import commands as c
from intake.app.bus import intake_bus
from intake.app.rules import DEFAULT_RULES
from intake.domain.customer import Customer
from intake.domain.customers import CustomerDraft
from intake.domain.vocabulary import CustomerProfile
from intake.service import DEFINITION

META = Metadata(actor="alice")


class FixedClock:
    def now(self) -> datetime:
        return datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
async def bus(postgres_url):
    engine = create_engine(await make_database(postgres_url, f"intake_race_{uuid4().hex[:12]}"))
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_intake")
        store = SqlEventStore(engine, source="/guichet/intake")
        clock = FixedClock()
        yield intake_bus(lambda: SqlUnitOfWork(store, clock, lambda: None), clock, DEFAULT_RULES)
    finally:
        await engine.dispose()


async def register(bus: MessageBus, first_name: str, last_name: str) -> Customer:
    draft = CustomerDraft(
        CustomerProfile.B2C,
        first_name=first_name,
        last_name=last_name,
        email=f"{first_name}.{last_name}@exemple.fr".lower(),
    )
    return await bus.handle(
        c.RegisterCustomer(
            metadata=META,
            details=draft,
            create_anyway_reason="test",
        )
    )


def pending_types(uow: SqlUnitOfWork) -> set[type]:
    return {type(event) for aggregate, _ in uow.tracked.seen for event in aggregate.pending}


async def test_two_updates_with_the_same_if_match_one_wins_the_other_is_stale(bus, monkeypatch):
    customer = await register(bus, "Eloise", "Dupont")
    both_read = asyncio.Barrier(2)
    original = SqlUnitOfWork.commit

    async def commit(uow: SqlUnitOfWork, metadata: Metadata) -> None:
        await both_read.wait()
        await original(uow, metadata)

    monkeypatch.setattr(SqlUnitOfWork, "commit", commit)
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                bus.handle(
                    c.UpdateCustomer(
                        customer_id=customer.id, expected_version=1, metadata=META, changes={"city": city}
                    )
                )
                for city in ("Lyon", "Nice")
            ),
            return_exceptions=True,
        ),
        30,
    )
    [winner] = [r for r in results if isinstance(r, Customer)]
    [lost] = [r for r in results if not isinstance(r, Customer)]
    assert isinstance(lost, StaleVersion), lost  # the 412 of a stale If-Match, not a 409
    assert lost.expected == 1 and isinstance(lost.__cause__, ConcurrencyError)
    problem = application_problem(lost)  # PostgreSQL's unique index does not say which version it found
    assert problem is not None and (problem.status, problem.code) == (412, "precondition-failed")
    assert winner.version == 2
    monkeypatch.undo()
    again = await bus.handle(
        c.UpdateCustomer(
            customer_id=customer.id, expected_version=2, metadata=META, changes={"city": "Paris"}
        )
    )
    assert again.version == 3 and again.draft.city == "Paris"


async def test_a_merge_losing_the_race_on_the_survivor_is_retried(bus, monkeypatch):
    survivor = await register(bus, "Eloise", "Dupont")
    absorbed = await register(bus, "Paul", "Durand")
    both_read, update_written = asyncio.Barrier(2), asyncio.Event()
    merge_attempts = 0
    original = SqlUnitOfWork.commit

    async def commit(uow: SqlUnitOfWork, metadata: Metadata) -> None:
        nonlocal merge_attempts
        if ev.CustomersMerged not in pending_types(uow):  # the survivor's update writes first
            await both_read.wait()
            await original(uow, metadata)
            update_written.set()
            return
        merge_attempts += 1
        if merge_attempts == 1:  # read the survivor at version 1, writes after the update
            await both_read.wait()
            await update_written.wait()
        await original(uow, metadata)

    monkeypatch.setattr(SqlUnitOfWork, "commit", commit)
    update = bus.handle(
        c.UpdateCustomer(customer_id=survivor.id, expected_version=1, metadata=META, changes={"city": "Lyon"})
    )
    merge = bus.handle(
        c.MergeCustomers(
            merged_id=absorbed.id,
            survivor_id=survivor.id,
            reason="doublon",
            expected_version=1,
            metadata=META,
        )
    )
    updated, merged = await asyncio.wait_for(asyncio.gather(update, merge), 30)
    assert merge_attempts == 2  # the If-Match (on the merged record) still held: run again
    assert updated.version == 2 and merged.merged_into == survivor.id and merged.version == 2
    monkeypatch.undo()
    uow = bus.uow_factory()
    assert isinstance(uow, SqlUnitOfWork)
    store = uow.store
    assert [e.type for e in await store.read_stream(survivor.id)] == [
        "intake.CustomerRegistered",
        "intake.CustomerUpdated",
        "intake.CustomerAbsorbed",
    ]
