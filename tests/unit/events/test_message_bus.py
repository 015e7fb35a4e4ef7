"""The kit's message bus with a fake unit of work: injection by name, retry once, If-Match races."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import ClassVar, Self
from uuid import UUID, uuid4

import pytest

from events.application.bus import MessageBus, if_match
from events.application.errors import Conflict, StaleVersion
from events.application.ports import UnitOfWork
from events.envelope import Metadata
from events.store import ConcurrencyError

GUARDED, OTHER = uuid4(), uuid4()


class FakeUnitOfWork(UnitOfWork):
    """Counts its blocks and commits; a block that ends without commit keeps nothing."""

    def __init__(self) -> None:
        self.entered = self.commits = 0
        self.kept: list[str] = []
        self._pending: list[str] = []
        self._committed = False

    async def __aenter__(self) -> Self:
        self.entered += 1
        self._pending, self._committed = [], False
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        if error is None and self._committed:
            self.kept.extend(self._pending)

    async def commit(self, metadata: Metadata) -> None:
        self.commits += 1
        self._committed = True

    async def rollback(self) -> None:
        self._committed = False


@dataclass(frozen=True)
class Rename:
    item_id: UUID
    name: str
    expected_version: int
    if_match_field: ClassVar[str] = "item_id"


@dataclass(frozen=True)
class Create:
    name: str


class Races:
    """What the next runs lose to: one error per run, then nothing."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.runs = 0


async def rename(cmd: Rename, uow: FakeUnitOfWork, races: Races) -> str:
    return await _write(cmd.name, uow, races)


async def create(cmd: Create, uow: FakeUnitOfWork, races: Races) -> str:
    return await _write(cmd.name, uow, races)


async def _write(name: str, uow: FakeUnitOfWork, races: Races) -> str:
    races.runs += 1
    async with uow:
        uow._pending.append(name)
        if races.errors:
            raise races.errors.pop(0)
        await uow.commit(Metadata())
    return name


def make_bus(races: Races) -> tuple[MessageBus, list[FakeUnitOfWork]]:
    made: list[FakeUnitOfWork] = []

    def new_uow() -> FakeUnitOfWork:
        made.append(FakeUnitOfWork())
        return made[-1]

    return MessageBus({Rename: rename, Create: create}, uow=new_uow, races=races), made


async def test_a_handler_gets_a_fresh_unit_of_work_and_its_dependencies_by_name():
    races = Races()
    bus, made = make_bus(races)
    assert await bus.handle(Create("a")) == "a"
    assert await bus.handle(Create("b")) == "b"
    assert [u.kept for u in made] == [["a"], ["b"]] and races.runs == 2


def test_a_handler_needing_a_dependency_the_bus_lacks_is_refused_when_the_bus_is_built():
    with pytest.raises(TypeError, match="races"):
        MessageBus({Create: create}, uow=FakeUnitOfWork)


@pytest.mark.parametrize("lost", [ConcurrencyError(OTHER, 1), Conflict("same key")])
async def test_a_command_that_lost_a_race_runs_once_more(lost: Exception):
    races = Races(lost)
    bus, made = make_bus(races)
    assert await bus.handle(Create("a")) == "a"
    assert races.runs == 2
    assert [u.kept for u in made] == [[], ["a"]]


async def test_losing_twice_is_left_as_it_is():
    races = Races(ConcurrencyError(OTHER, 1), ConcurrencyError(OTHER, 2, 3))
    bus, made = make_bus(races)
    with pytest.raises(ConcurrencyError) as raised:
        await bus.handle(Create("a"))
    assert races.runs == 2 and raised.value.actual == 3
    assert all(u.kept == [] for u in made)


async def test_a_race_lost_on_the_stream_if_match_guards_is_a_stale_version_not_a_retry():
    races = Races(ConcurrencyError(GUARDED, 4, 5))
    bus, _ = make_bus(races)
    with pytest.raises(StaleVersion) as raised:
        await bus.handle(Rename(GUARDED, "a", expected_version=4))
    assert (raised.value.current, raised.value.expected) == (5, 4)
    assert isinstance(raised.value.__cause__, ConcurrencyError)
    assert races.runs == 1


async def test_a_race_lost_on_another_stream_than_the_guarded_one_is_retried():
    races = Races(ConcurrencyError(OTHER, 1))
    bus, _ = make_bus(races)
    assert await bus.handle(Rename(GUARDED, "a", expected_version=4)) == "a"
    assert races.runs == 2


def test_if_match_names_the_guarded_stream_and_version_or_nothing():
    assert if_match(Rename(GUARDED, "a", expected_version=7)) == (GUARDED, 7)
    assert if_match(Create("a")) is None
