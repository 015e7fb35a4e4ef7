"""The write-side kit's contract, on SQLite and PostgreSQL: the unit of work persists a block
only when ``commit()`` ran, runs the registered projector of each aggregate in the same
transaction (its own, or the caller's it joined), and the message bus runs a command once
more when it lost a race."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar
from uuid import UUID, uuid4

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, Uuid, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from events.aggregate_base import Aggregate
from events.application.bus import Handler, MessageBus
from events.application.errors import NotFound, StaleVersion
from events.catalogue import DomainEvent
from events.envelope import Metadata
from events.persistence import Projectors, SqlUnitOfWork, reading
from events.store import ConcurrencyError, SqlEventStore, Transaction

META = Metadata(actor="alice")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TallyOpened(DomainEvent, type="test.TallyOpened"):
    name: str


class TallyBumped(DomainEvent, type="test.TallyBumped"):
    by: int


class BadgeAwarded(DomainEvent, type="test.BadgeAwarded"):
    label: str


class Tally(Aggregate):
    stream_type = "tally"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.name, self.total = "", 0

    @classmethod
    def open(cls, name: str) -> Tally:
        tally = cls(uuid4())
        tally.record(TallyOpened(name=name))
        return tally

    def bump(self, by: int) -> None:
        self.record(TallyBumped(by=by))

    def when_TallyOpened(self, event: TallyOpened) -> None:
        self.name = event.name

    def when_TallyBumped(self, event: TallyBumped) -> None:
        self.total += event.by


class Badge(Aggregate):
    stream_type = "badge"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.label = ""

    @classmethod
    def award(cls, label: str) -> Badge:
        badge = cls(uuid4())
        badge.record(BadgeAwarded(label=label))
        return badge

    def when_BadgeAwarded(self, event: BadgeAwarded) -> None:
        self.label = event.label


class Unprojected(Aggregate):
    stream_type = "unprojected"


tables = MetaData()
tallies = Table(
    "kit_tallies",
    tables,
    Column("tally_id", Uuid, primary_key=True),
    Column("name", String(40)),
    Column("total", Integer),
)
badges = Table("kit_badges", tables, Column("badge_id", Uuid, primary_key=True), Column("label", String(40)))
claims = Table("kit_claims", tables, Column("key", String(40), primary_key=True))


async def project_tally(connection: AsyncConnection, tally: Tally, created: bool, now: datetime) -> str:
    row = {"name": tally.name, "total": tally.total}
    if created:
        await connection.execute(insert(tallies).values(tally_id=tally.id, **row))
    else:
        await connection.execute(update(tallies).where(tallies.c.tally_id == tally.id).values(**row))
    return f"tally at {now:%H:%M}"


async def project_badge(connection: AsyncConnection, badge: Badge, created: bool, now: datetime) -> None:
    await connection.execute(insert(badges).values(badge_id=badge.id, label=badge.label))


async def failing_projector(connection: AsyncConnection, badge: Badge, created: bool, now: datetime) -> None:
    raise RuntimeError("read model refused the row")


def projectors(badge_projector: Any = project_badge) -> Projectors:
    registry = Projectors()
    registry.register(Tally, project_tally)
    registry.register(Badge, badge_projector)
    return registry


class FixedClock:
    def now(self) -> datetime:
        return NOW


class KitUnitOfWork(SqlUnitOfWork):
    """A service's unit of work: two event-sourced repositories and a bookkeeping table."""

    def open(self, tx: Transaction) -> None:
        self.tallies = self.repository(Tally, "tally")
        self.badges = self.repository(Badge, "badge")
        self.others = self.repository(Unprojected, "unprojected")

    async def claim(self, key: str) -> None:
        await self.tx.connection.execute(insert(claims).values(key=key))


@pytest.fixture
async def kit_store(store: SqlEventStore) -> AsyncIterator[SqlEventStore]:
    async with store.engine.begin() as connection:
        await connection.run_sync(tables.create_all)
    yield store


class Wakes:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def uow_over(
    store: SqlEventStore, wakes: Wakes | None = None, registry: Projectors | None = None
) -> KitUnitOfWork:
    return KitUnitOfWork(store, registry or projectors(), FixedClock(), wakes)


async def persisted(store: SqlEventStore) -> dict[str, int]:
    """How many events, projection rows and bookkeeping rows the database holds."""
    async with reading(store.engine) as connection:
        counts = {}
        for name, table in (("tallies", tallies), ("badges", badges), ("claims", claims)):
            counts[name] = (await connection.execute(select(func.count()).select_from(table))).scalar_one()
    counts["events"] = len(await store.read_all())
    return counts


NOTHING = {"tallies": 0, "badges": 0, "claims": 0, "events": 0}


async def test_a_committed_block_persists_events_projections_and_bookkeeping_then_wakes(kit_store):
    wakes = Wakes()
    async with uow_over(kit_store, wakes) as uow:
        tally = Tally.open("visits")
        tally.bump(2)
        uow.tallies.add(tally)
        await uow.claim("k1")
        await uow.commit(META)
        assert wakes.count == 0  # not before the transaction commits
    assert wakes.count == 1
    assert await persisted(kit_store) == {"tallies": 1, "badges": 0, "claims": 1, "events": 2}
    assert [(p.aggregate, p.created, p.result) for p in uow.projected] == [(tally, True, "tally at 09:00")]
    async with uow_over(kit_store) as uow:
        loaded = await uow.tallies.get(tally.id)
    assert (loaded.name, loaded.total, loaded.version) == ("visits", 2, 2)


async def test_leaving_the_block_without_commit_persists_nothing(kit_store):
    wakes = Wakes()
    async with uow_over(kit_store, wakes) as uow:
        uow.tallies.add(Tally.open("visits"))
        await uow.claim("k1")
    assert await persisted(kit_store) == NOTHING
    assert wakes.count == 0


async def test_a_block_that_saved_then_forgot_to_commit_keeps_no_event_nor_projection(kit_store):
    async with uow_over(kit_store) as uow:
        uow.tallies.add(Tally.open("visits"))
        await uow.commit(META)
        await uow.rollback()
    assert await persisted(kit_store) == NOTHING


async def test_an_exception_after_commit_rolls_everything_back(kit_store):
    wakes = Wakes()
    with pytest.raises(ValueError, match="late refusal"):
        async with uow_over(kit_store, wakes) as uow:
            uow.tallies.add(Tally.open("visits"))
            await uow.claim("k1")
            await uow.commit(META)
            raise ValueError("late refusal")
    assert await persisted(kit_store) == NOTHING
    assert wakes.count == 0


async def test_each_aggregate_is_projected_by_the_projector_registered_for_its_type(kit_store):
    async with uow_over(kit_store) as uow:
        uow.tallies.add(Tally.open("visits"))
        uow.badges.add(Badge.award("gold"))
        await uow.commit(META)
    async with reading(kit_store.engine) as connection:
        assert (await connection.execute(select(tallies.c.name))).scalars().all() == ["visits"]
        assert (await connection.execute(select(badges.c.label))).scalars().all() == ["gold"]


async def test_a_failing_projector_rolls_the_events_back(kit_store):
    with pytest.raises(RuntimeError, match="read model refused"):
        async with uow_over(kit_store, registry=projectors(failing_projector)) as uow:
            uow.tallies.add(Tally.open("visits"))
            uow.badges.add(Badge.award("gold"))
            await uow.commit(META)
    assert await persisted(kit_store) == NOTHING


async def test_an_aggregate_type_without_projector_is_refused_and_nothing_persists(kit_store):
    with pytest.raises(LookupError, match="Unprojected"):
        async with uow_over(kit_store) as uow:
            uow.tallies.add(Tally.open("visits"))
            other = Unprojected(uuid4())
            other.record(TallyBumped(by=1))
            uow.others.add(other)
            await uow.commit(META)
    assert await persisted(kit_store) == NOTHING


async def test_getting_a_missing_stream_or_another_types_stream_is_not_found(kit_store):
    async with uow_over(kit_store) as uow:
        badge = Badge.award("gold")
        uow.badges.add(badge)
        await uow.commit(META)
    async with uow_over(kit_store) as uow:
        for missing in (uuid4(), badge.id):
            with pytest.raises(NotFound) as raised:
                await uow.tallies.get(missing)
            assert (raised.value.kind, raised.value.entity_id) == ("tally", missing)


async def test_a_joined_block_commits_with_the_callers_transaction_and_never_ends_it(kit_store):
    wakes = Wakes()
    async with kit_store.engine.begin() as connection:
        await connection.execute(insert(claims).values(key="handled"))
        async with uow_over(kit_store, wakes).joining(connection) as uow:
            tally = Tally.open("visits")
            uow.tallies.add(tally)
            await uow.claim("k1")
            await uow.commit(META)
        assert wakes.count == 1
        assert await persisted(kit_store) == NOTHING  # the caller has not committed yet
        await connection.execute(insert(claims).values(key="after"))  # still its transaction
    assert await persisted(kit_store) == {"tallies": 1, "badges": 0, "claims": 3, "events": 1}
    assert [(p.aggregate, p.created) for p in uow.projected] == [(tally, True)]
    async with uow_over(kit_store) as uow:
        assert (await uow.tallies.get(tally.id)).name == "visits"


async def test_a_joined_block_rolls_back_with_the_callers_transaction(kit_store):
    with pytest.raises(ValueError, match="consumer failed"):
        async with kit_store.engine.begin() as connection:
            async with uow_over(kit_store).joining(connection) as uow:
                uow.tallies.add(Tally.open("visits"))
                await uow.claim("k1")
                await uow.commit(META)
            raise ValueError("consumer failed")
    assert await persisted(kit_store) == NOTHING


async def test_a_joined_block_without_commit_undoes_only_itself(kit_store):
    wakes = Wakes()
    async with kit_store.engine.begin() as connection:
        await connection.execute(insert(claims).values(key="handled"))
        async with uow_over(kit_store, wakes).joining(connection) as uow:
            uow.tallies.add(Tally.open("visits"))
            await uow.claim("k1")
        async with uow_over(kit_store).joining(connection) as uow:
            uow.tallies.add(Tally.open("visits"))
            await uow.commit(META)
            await uow.rollback()
    assert await persisted(kit_store) == {"tallies": 0, "badges": 0, "claims": 1, "events": 0}
    assert wakes.count == 0


async def test_a_joined_block_that_raised_leaves_the_callers_transaction_usable(kit_store):
    async with kit_store.engine.begin() as connection:
        with pytest.raises(RuntimeError, match="read model refused"):
            async with uow_over(kit_store, registry=projectors(failing_projector)).joining(connection) as uow:
                uow.tallies.add(Tally.open("visits"))
                uow.badges.add(Badge.award("gold"))
                await uow.commit(META)
        await connection.execute(insert(claims).values(key="handled"))
        with pytest.raises(IntegrityError):  # on PostgreSQL, a failed statement aborts a transaction
            async with uow_over(kit_store).joining(connection) as uow:
                uow.badges.add(Badge.award("silver"))
                await uow.commit(META)
                await uow.claim("handled")
        async with uow_over(kit_store).joining(connection) as uow:
            uow.badges.add(Badge.award("bronze"))
            await uow.commit(META)
        await connection.execute(insert(claims).values(key="after"))
    assert await persisted(kit_store) == {"tallies": 0, "badges": 1, "claims": 2, "events": 1}
    async with reading(kit_store.engine) as connection:
        assert (await connection.execute(select(badges.c.label))).scalars().all() == ["bronze"]


@dataclass(frozen=True)
class BumpTally:
    tally_id: UUID
    by: int
    expected_version: int
    if_match_field: ClassVar[str] = "tally_id"


@dataclass(frozen=True)
class AwardBadge:
    """Touches a tally it does not guard: a race on it is retried."""

    tally_id: UUID
    label: str


class Interloper:
    """Writes one event to the tally's stream just before the command's commit, the next
    ``times`` runs: as if a concurrent transaction had committed between read and write."""

    def __init__(self) -> None:
        self.times = self.runs = 0

    async def strike(self, uow: KitUnitOfWork, tally: Tally) -> None:
        self.runs += 1
        if self.times:
            self.times -= 1
            await uow.tx.append(tally.id, tally.stream_type, tally.version, [TallyBumped(by=100)], META)


async def bump_tally(cmd: BumpTally, uow: KitUnitOfWork, interloper: Interloper) -> Tally:
    async with uow:
        tally = await uow.tallies.get(cmd.tally_id)
        tally.bump(cmd.by)
        await interloper.strike(uow, tally)
        await uow.commit(META)
    return tally


async def award_badge(cmd: AwardBadge, uow: KitUnitOfWork, interloper: Interloper) -> Tally:
    async with uow:
        tally = await uow.tallies.get(cmd.tally_id)
        tally.bump(1)
        uow.badges.add(Badge.award(cmd.label))
        await interloper.strike(uow, tally)
        await uow.commit(META)
    return tally


@pytest.fixture
async def tally(kit_store) -> Tally:
    async with uow_over(kit_store) as uow:
        tally = Tally.open("visits")
        uow.tallies.add(tally)
        await uow.commit(META)
    return tally


@pytest.fixture
def interloper() -> Interloper:
    return Interloper()


@pytest.fixture
def bus(kit_store, interloper) -> MessageBus:
    handlers: dict[type, Handler] = {BumpTally: bump_tally, AwardBadge: award_badge}
    return MessageBus(handlers, uow=lambda: uow_over(kit_store), interloper=interloper)


async def test_a_command_that_lost_a_race_on_a_stream_it_does_not_guard_runs_once_more(
    bus, interloper, tally, kit_store
):
    interloper.times = 1
    bumped = await bus.handle(AwardBadge(tally.id, "gold"))
    assert interloper.runs == 2 and (bumped.total, bumped.version) == (1, 2)
    assert await persisted(kit_store) == {"tallies": 1, "badges": 1, "claims": 0, "events": 3}


async def test_a_command_that_lost_the_race_twice_fails_with_the_conflict(bus, interloper, tally, kit_store):
    interloper.times = 2
    with pytest.raises(ConcurrencyError):
        await bus.handle(AwardBadge(tally.id, "gold"))
    assert interloper.runs == 2
    assert await persisted(kit_store) == {"tallies": 1, "badges": 0, "claims": 0, "events": 1}


async def test_a_race_lost_on_the_stream_if_match_guards_is_a_stale_version(
    bus, interloper, tally, kit_store
):
    interloper.times = 1
    with pytest.raises(StaleVersion) as raised:
        await bus.handle(BumpTally(tally.id, 5, expected_version=1))
    assert raised.value.expected == 1 and isinstance(raised.value.__cause__, ConcurrencyError)
    assert interloper.runs == 1  # not run again: the client must read the new version
    assert await persisted(kit_store) == {"tallies": 1, "badges": 0, "claims": 0, "events": 1}
