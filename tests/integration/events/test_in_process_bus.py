"""The embedded default: the same relay drained into the in-process bus, durable consumer positions."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from events.bus import InProcessBus, InProcessPublisher
from events.catalogue import DomainEvent
from events.consumer import Consumer
from events.db import create_engine
from events.migrations import upgrade_platform
from events.relay import OutboxRelay
from events.runners import InProcessConsumerRunner
from events.store import SqlEventStore
from events.testing import position_of

TOPIC = "guichet.bustest"


class Noted(DomainEvent, type="bustest.Noted"):
    text: str


notes_table = MetaData()
notes = Table(
    "notes",
    notes_table,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("stream", String(64)),
    Column("text", String(64)),
)


async def sqlite_store(path) -> SqlEventStore:
    engine = create_engine(f"sqlite:///{path}")
    await upgrade_platform(engine)
    return SqlEventStore(engine, source="/guichet/bustest")


def note_consumer(engine) -> Consumer:
    async def record(envelope, event, connection) -> None:
        await connection.execute(notes.insert().values(stream=str(envelope.stream_id), text=event.text))

    return Consumer("notes", engine, {"bustest.Noted": record})


async def stored_notes(engine) -> list[str]:
    async with engine.connect() as connection:
        return [r.text for r in await connection.execute(select(notes).order_by(notes.c.id))]


async def test_consumers_see_only_what_the_relay_published_and_resume_after_restart(tmp_path, monkeypatch):
    monkeypatch.setattr("events.bus.topic_for", lambda context: TOPIC)
    producer = await sqlite_store(tmp_path / "producer.db")
    consumer_engine = create_engine(f"sqlite:///{tmp_path / 'consumer.db'}")
    await upgrade_platform(consumer_engine)
    async with consumer_engine.begin() as connection:
        await connection.run_sync(notes_table.create_all)

    stream = uuid4()
    await producer.append(stream, "note", 0, [Noted(text="a"), Noted(text="b")])
    bus = InProcessBus()
    bus.register(TOPIC, producer)
    runner = InProcessConsumerRunner(note_consumer(consumer_engine), bus=bus, topics=[TOPIC])
    assert await runner.drain() == 0, "nothing is visible before the relay publishes"

    relay = OutboxRelay(producer, InProcessPublisher(bus))
    assert await relay.publish_pending() == 2
    assert await runner.drain() == 2
    assert await stored_notes(consumer_engine) == ["a", "b"]

    # A restart: new bus and runner; the consumer resumes from its durable checkpoint.
    await producer.append(stream, "note", 2, [Noted(text="c")])
    assert await relay.publish_pending() == 1
    restarted_bus = InProcessBus()
    restarted_bus.register(TOPIC, producer)
    await restarted_bus.advance(TOPIC, 3)
    again = InProcessConsumerRunner(note_consumer(consumer_engine), bus=restarted_bus, topics=[TOPIC])
    assert await again.drain() == 1
    assert await stored_notes(consumer_engine) == ["a", "b", "c"]


async def test_on_postgresql_a_consumer_misses_no_event_committed_out_of_position_order(
    postgres_url, tmp_path, monkeypatch
):
    """read_all walks (tx_id, position) there: the event published last can have a lower
    position than one published before it. The bus must stop at it in that order; comparing
    position numbers handed the consumer the later one first and lost the other for good."""
    from sqlalchemy import text

    from events.testing.servers import make_database

    monkeypatch.setattr("events.bus.topic_for", lambda context: TOPIC)
    url = await make_database(postgres_url, f"bus_{tmp_path.name[-12:].lower()}")
    engine = create_engine(url)
    await upgrade_platform(engine)
    producer = SqlEventStore(engine, source="/guichet/bustest")
    async with engine.begin() as connection:
        await connection.run_sync(notes_table.create_all)
    try:
        early_xid, late_xid = uuid4(), uuid4()
        async with producer.transaction() as early:
            # This transaction takes its id first but writes its event last...
            await early.connection.execute(text("SELECT pg_current_xact_id()"))
            [fast] = await producer.append(late_xid, "note", 0, [Noted(text="fast")])
            [slow] = await early.append(early_xid, "note", 0, [Noted(text="slow")])
        assert position_of(slow) > position_of(fast)  # ...so read_all gives "slow" (older tx) first
        assert [e.data["text"] for e in await producer.read_all(0)] == ["slow", "fast"]

        bus = InProcessBus()
        bus.register(TOPIC, producer)
        relay = OutboxRelay(producer, InProcessPublisher(bus))
        runner = InProcessConsumerRunner(note_consumer(engine), bus=bus, topics=[TOPIC])
        assert await relay.publish_pending() == 2  # one batch: the last published is "fast"
        await runner.drain()
        await runner.drain()
        assert await stored_notes(engine) == ["slow", "fast"]
    finally:
        await engine.dispose()
