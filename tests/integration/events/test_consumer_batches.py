"""A poll's events are handled in one transaction, each in its own savepoint (both adapters)."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import Column, Integer, MetaData, String, Table, select

from events.catalogue import DomainEvent
from events.consumer import Consumer, Outcome
from events.store import SqlEventStore


class Counted(DomainEvent, type="batchtest.Counted"):
    value: int


model = MetaData()
seen = Table("seen", model, Column("stream", String(64)), Column("value", Integer))


def recording_consumer(store: SqlEventStore) -> Consumer:
    async def record(envelope, event, connection) -> None:
        if event.value < 0:
            raise ValueError("a poison event")
        await connection.execute(seen.insert().values(stream=str(envelope.stream_id), value=event.value))

    return Consumer("batch", store.engine, {"batchtest.Counted": record})


async def test_a_poison_event_in_a_batch_parks_its_stream_and_the_rest_commits(store: SqlEventStore):
    async with store.engine.begin() as connection:
        await connection.run_sync(model.create_all)
    poisoned, healthy = uuid4(), uuid4()
    await store.append(poisoned, "c", 0, [Counted(value=1), Counted(value=-1), Counted(value=3)])
    await store.append(healthy, "c", 0, [Counted(value=10), Counted(value=20)])
    batch = await store.read_all(0)
    consumer = recording_consumer(store)

    outcomes = await consumer.process_many(batch)
    assert [o for o in outcomes] == [
        Outcome.PROCESSED,
        Outcome.PARKED,
        Outcome.PARKED,
        Outcome.PROCESSED,
        Outcome.PROCESSED,
    ]
    async with store.engine.connect() as connection:
        rows = sorted((await connection.execute(select(seen.c.stream, seen.c.value))).all())
    assert rows == sorted([(str(poisoned), 1), (str(healthy), 10), (str(healthy), 20)])
    assert [p["event_id"] for p in await consumer.parked(str(poisoned))] == [
        str(batch[1].id),
        str(batch[2].id),
    ]

    assert await consumer.process_many(batch) == [
        Outcome.DUPLICATE,
        Outcome.PARKED,
        Outcome.PARKED,
        Outcome.DUPLICATE,
        Outcome.DUPLICATE,
    ], "redelivery: effects once"
    assert len(await consumer.parked(str(poisoned))) == 2, "and parked once"
