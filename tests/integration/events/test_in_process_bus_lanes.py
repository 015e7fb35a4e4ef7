"""A topic every service writes to, on the in-process bus: one lane per producer, holding only
that producer's events of the topic's context, each read from the subscriber's own position."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

from events.bus import InProcessBus, InProcessPublisher, lane_name
from events.catalogue import DomainEvent
from events.db import create_engine
from events.migrations import upgrade_platform
from events.store import SqlEventStore


class Worked(DomainEvent, type="lanework.Worked"):
    n: int


class Logged(DomainEvent, type="lanelog.Logged"):
    n: int


async def producer(path: Path, name: str) -> SqlEventStore:
    engine = create_engine(f"sqlite:///{path / (name + '.db')}")
    await upgrade_platform(engine)
    return SqlEventStore(engine, source=f"/guichet/{name}")


async def test_each_producer_feeds_its_own_lane_of_a_shared_topic(tmp_path: Path) -> None:
    bus = InProcessBus()
    first, second = await producer(tmp_path, "first"), await producer(tmp_path, "second")
    bus.register("guichet.lanework", first)
    bus.register("guichet.second", second)
    stream = uuid4()
    mixed: list[DomainEvent] = [Worked(n=1), Logged(n=2), Worked(n=3), Worked(n=4), Logged(n=5)]
    stored = await first.append(stream, "mixed", 0, mixed)
    await InProcessPublisher(bus, home="guichet.lanework").publish(stored)
    other = await second.append(uuid4(), "mixed", 0, [Logged(n=10)])
    await InProcessPublisher(bus, home="guichet.second").publish(other)

    shared = "guichet.lanelog"
    first_lane, second_lane = lane_name(shared, "guichet.lanework"), lane_name(shared, "guichet.second")
    assert bus.lanes(shared) == [shared, first_lane, second_lane]
    assert await bus.read(shared, 0) == []
    assert [e.decode() for e in await bus.read(first_lane, 0)] == [Logged(n=2), Logged(n=5)]
    assert [e.decode() for e in await bus.read(first_lane, stored[1].position or 0)] == [Logged(n=5)]
    assert await bus.read(first_lane, stored[4].position or 0) == []
    assert [e.decode() for e in await bus.read(second_lane, 0)] == [Logged(n=10)]
    # The producer's own topic is read as before: its events up to the last one of its context.
    assert [e.position for e in await bus.read("guichet.lanework", 0)] == [e.position for e in stored[:4]]
    assert bus.lanes("guichet.lanework") == ["guichet.lanework"]


async def test_a_lane_holds_only_what_was_published_of_it(tmp_path: Path) -> None:
    bus = InProcessBus()
    store = await producer(tmp_path, "only")
    bus.register("guichet.only", store)
    stream = uuid4()
    stored = await store.append(stream, "mixed", 0, [Logged(n=1), Worked(n=2), Logged(n=3)])
    await InProcessPublisher(bus, home="guichet.only").publish(stored[:2])
    lane = lane_name("guichet.lanelog", "guichet.only")
    assert [e.decode() for e in await bus.read(lane, 0)] == [Logged(n=1)]
    assert await bus.read(lane, stored[0].position or 0) == []
    await InProcessPublisher(bus, home="guichet.only").publish(stored[2:])
    assert [e.decode() for e in await bus.read(lane, stored[0].position or 0)] == [Logged(n=3)]
