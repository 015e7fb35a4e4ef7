"""Relay to a real Kafka broker and consumers from it: order, crash recovery, once-only effects, DLQ."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Iterator, MutableMapping
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord
from sqlalchemy import Column, Integer, MetaData, String, Table, select

from events.bus import KafkaPublisher, from_kafka_record, to_kafka_record
from events.catalogue import DomainEvent
from events.consumer import Consumer, Outcome
from events.envelope import Envelope, Metadata
from events.relay import OutboxRelay
from events.runners import KafkaConsumerRunner
from events.store import SqlEventStore
from events.topics import dead_letter_topic

TOPIC = "guichet.relaytest"


class Tallied(DomainEvent, type="relaytest.Tallied"):
    amount: int


projection = MetaData()
tallies = Table(
    "tallies",
    projection,
    Column("stream_id", String(64), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("count", Integer, nullable=False),
)


async def read_topic(bootstrap: str, topic: str, expected: int, timeout: float = 30.0):
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{uuid4()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(timeout):
            while len(records) < expected:
                batch = await consumer.getmany(timeout_ms=500)
                for messages in batch.values():
                    records.extend(messages)
    except TimeoutError:
        pass
    finally:
        await consumer.stop()
    return records


@contextlib.contextmanager
def when_logged(event: str) -> Iterator[asyncio.Event]:
    """An :class:`asyncio.Event` set when something logs ``event``: a test waits on it."""
    seen = asyncio.Event()

    def notice(logger: Any, method: str, entry: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if entry.get("event") == event:
            seen.set()
        return entry

    processors = structlog.get_config()["processors"]
    processors.insert(0, notice)
    try:
        yield seen
    finally:
        processors.remove(notice)


class CountingPublisher(KafkaPublisher):
    """Counts the events it has published."""

    published = 0

    async def publish(self, envelopes: list[Envelope]) -> None:
        await super().publish(envelopes)
        self.published += len(envelopes)


class FailingPublisher(KafkaPublisher):
    """Publishes, then dies before the relay records its checkpoint (a crash mid-batch)."""

    async def publish(self, envelopes: list[Envelope]) -> None:
        await super().publish(envelopes[: len(envelopes) // 2])
        raise ConnectionError("relay killed mid-batch")


@pytest.fixture
async def topic(kafka_bootstrap):
    name = f"{TOPIC}.{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=3, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def append_many(store: SqlEventStore, streams: int, per_stream: int) -> list[UUID]:
    ids = [uuid4() for _ in range(streams)]
    for version in range(per_stream):
        for stream in ids:
            await store.append(stream, "tally", version, [Tallied(amount=version + 1)])
    return ids


async def test_relay_killed_mid_batch_then_restarted_publishes_every_event_in_order(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)
    streams = await append_many(pg_store, streams=10, per_stream=12)

    crashing = FailingPublisher(kafka_bootstrap)
    await crashing.start()
    with pytest.raises(ConnectionError):
        await OutboxRelay(pg_store, crashing, batch_size=50).publish_pending()
    await crashing.stop()

    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    try:
        assert await OutboxRelay(pg_store, publisher, batch_size=50).publish_pending() == 120
    finally:
        await publisher.stop()

    records = await read_topic(kafka_bootstrap, topic, expected=120 + 25)
    versions: dict[str, list[int]] = defaultdict(list)
    for record in records:
        headers = dict(record.headers)
        assert headers["ce_specversion"] == b"1.0"
        assert headers["ce_type"] == b"relaytest.Tallied"
        assert record.key == headers["ce_streamid"]
        versions[record.key.decode()].append(int(headers["ce_sequence"]))
    for stream in streams:
        delivered = versions[str(stream)]
        # At-least-once: the crashed batch's first half arrives twice; order per stream holds.
        assert sorted(set(delivered)) == list(range(1, 13))
        firsts = [delivered.index(v) for v in range(1, 13)]
        assert firsts == sorted(firsts)


async def tallies_on(store: SqlEventStore, topic: str, monkeypatch) -> None:
    """Events of this module go to ``topic``; the tally projection's table exists."""
    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)
    async with store.engine.begin() as connection:
        await connection.run_sync(projection.create_all)


async def the_only_tally(store: SqlEventStore):
    async with store.engine.connect() as connection:
        return (await connection.execute(select(tallies))).one()


def tally_consumer(store: SqlEventStore, name: str, effects: list[str] | None = None) -> Consumer:
    async def add(envelope: Envelope, event: DomainEvent, connection) -> None:
        assert isinstance(event, Tallied)
        if effects is not None:
            effects.append(str(envelope.id))
        key = str(envelope.stream_id)
        row = (await connection.execute(select(tallies).where(tallies.c.stream_id == key))).first()
        if row is None:
            await connection.execute(tallies.insert().values(stream_id=key, total=event.amount, count=1))
        else:
            await connection.execute(
                tallies.update()
                .where(tallies.c.stream_id == key)
                .values(total=row.total + event.amount, count=row.count + 1)
            )

    return Consumer(name, store.engine, {"relaytest.Tallied": add})


async def test_a_consumer_killed_after_its_effect_but_before_its_offset_commit_applies_it_once(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    await tallies_on(pg_store, topic, monkeypatch)
    [stream] = await append_many(pg_store, streams=1, per_stream=5)
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    await OutboxRelay(pg_store, publisher).publish_pending()
    await publisher.stop()

    group = f"tally-{uuid4().hex[:6]}"
    first = KafkaConsumerRunner(
        tally_consumer(pg_store, "tally"), bootstrap=kafka_bootstrap, topics=[topic], group_id=group
    )
    await first.start()
    handled = 0
    async with asyncio.timeout(30):
        while handled < 5:
            for records in (await first._kafka.getmany(timeout_ms=500)).values():
                for record in records:
                    assert await first.handle_record(record) is Outcome.PROCESSED
                    handled += 1
    await first.close()  # dies without committing offsets: everything is redelivered

    effects: list[str] = []
    second = KafkaConsumerRunner(
        tally_consumer(pg_store, "tally", effects), bootstrap=kafka_bootstrap, topics=[topic], group_id=group
    )
    await second.start()
    outcomes: list[Outcome | None] = []
    async with asyncio.timeout(30):
        while len(outcomes) < 5:
            for records in (await second._kafka.getmany(timeout_ms=500)).values():
                for record in records:
                    outcomes.append(await second.handle_record(record))
    await second.close()
    assert outcomes == [Outcome.DUPLICATE] * 5 and effects == []
    row = await the_only_tally(pg_store)
    assert (row.stream_id, row.total, row.count) == (str(stream), 15, 5)


async def test_a_malformed_message_goes_to_the_dead_letter_topic_and_consumption_continues(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    await tallies_on(pg_store, topic, monkeypatch)
    [good] = await pg_store.append(uuid4(), "tally", 0, [Tallied(amount=7)])
    [other] = await pg_store.append(uuid4(), "tally", 0, [Tallied(amount=3)])
    bad_payload = good.model_copy(update={"data": {"amount": "seven"}, "id": uuid4()})
    await produce(kafka_bootstrap, topic, (b"{not json", b"x", [("ce_type", b"?")]), bad_payload, good, other)
    runner = KafkaConsumerRunner(
        tally_consumer(pg_store, "tally"),
        bootstrap=kafka_bootstrap,
        topics=[topic],
        group_id=f"dlq-{uuid4().hex[:6]}",
    )
    dead = await run_until_tallied(runner, pg_store, kafka_bootstrap, dead_letters=3)
    rows = await tallied(pg_store)

    errors = sorted(dict(r.headers)["dlq_error"].decode() for r in dead)
    assert len(dead) == 3
    assert sum("not JSON" in e for e in errors) == 1 and sum("parked" in e for e in errors) == 2
    assert {r.value for r in dead} >= {b"{not json", orjson.dumps({"amount": "seven"})}
    # The event of another stream went on: consumption continued past the bad ones.
    assert rows == [(str(other.stream_id), 3)]
    # The malformed event's stream was parked, the valid event of the same stream parked behind it.
    parked = await runner.consumer.parked(str(good.stream_id))
    assert [p["event_id"] for p in parked] == [str(bad_payload.id), str(good.id)]
    assert "amount" in parked[0]["error"]


async def test_a_failed_poll_is_retried_from_the_committed_offsets_and_the_runner_keeps_going(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    """A poll can fail after its records were fetched (the database gone longer than the
    consumer's retries, offsets refused after a rebalance, the dead-letter topic unreachable).
    The runner used to die with it, for good; now it waits, rewinds to the committed offsets
    so the fetched records are read again, and carries on."""
    await tallies_on(pg_store, topic, monkeypatch)
    [stream] = await append_many(pg_store, streams=1, per_stream=6)
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    await OutboxRelay(pg_store, publisher).publish_pending()
    await publisher.stop()

    effects: list[str] = []
    runner = KafkaConsumerRunner(
        tally_consumer(pg_store, "tally", effects),
        bootstrap=kafka_bootstrap,
        topics=[topic],
        group_id=f"retry-{uuid4().hex[:6]}",
    )
    monkeypatch.setattr(runner, "RETRY_FIRST", 0.1)
    handle = runner.handle_records
    failures: list[int] = []
    seen_failing: list[str | None] = []

    async def fails_twice(records):
        if len(failures) < 2:
            failures.append(len(records))
            raise ConnectionError("database unreachable")
        seen_failing.append(runner.failing)
        return await handle(records)

    monkeypatch.setattr(runner, "handle_records", fails_twice)
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(30):
            while len(effects) < 6:
                assert not task.done(), task
                await asyncio.sleep(0.1)
    finally:
        await runner.stop()
        await task
    assert sum(failures) >= 2 and seen_failing[0] == "ConnectionError: database unreachable"
    assert runner.failing is None
    assert len(effects) == len(set(effects)) == 6
    row = await the_only_tally(pg_store)
    assert (row.stream_id, row.total, row.count) == (str(stream), 21, 6)


async def test_a_record_that_is_no_event_parks_its_stream_and_an_unknown_type_is_dead_lettered(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    await tallies_on(pg_store, topic, monkeypatch)
    [blocked] = await pg_store.append(uuid4(), "tally", 0, [Tallied(amount=5)])
    [free] = await pg_store.append(uuid4(), "tally", 0, [Tallied(amount=2)])
    unknown = free.model_copy(update={"id": uuid4(), "type": "elsewhere.Invented", "stream_version": 2})
    await produce(
        kafka_bootstrap, topic, (b"\x00garbage", str(blocked.stream_id).encode(), []), blocked, unknown, free
    )
    runner = KafkaConsumerRunner(
        tally_consumer(pg_store, "tally"),
        bootstrap=kafka_bootstrap,
        topics=[topic],
        group_id=f"raw-{uuid4().hex[:6]}",
    )
    dead = await run_until_tallied(runner, pg_store, kafka_bootstrap, dead_letters=3)

    errors = sorted(dict(r.headers)["dlq_error"].decode() for r in dead)
    assert [e.split(":")[0] for e in errors] == [
        "parked",
        "record value is not JSON",
        "unknown event type 'elsewhere.Invented'",
    ]
    # The stream of the unknown type went on; the stream of the undecodable record waits.
    assert await tallied(pg_store) == [(str(free.stream_id), 2)]
    parked = await runner.consumer.parked(str(blocked.stream_id))
    assert [p["event_id"] for p in parked][1:] == [str(blocked.id)]
    assert "not JSON" in parked[0]["error"]
    assert await runner.consumer.parked(str(free.stream_id)) == []
    # Released: the undecodable record is dropped (its copy is in the DLQ), the event handled.
    assert await runner.consumer.release(str(blocked.stream_id)) == [Outcome.IGNORED, Outcome.PROCESSED]
    assert await tallied(pg_store) == sorted([(str(blocked.stream_id), 5), (str(free.stream_id), 2)])


async def produce(bootstrap: str, topic: str, *messages) -> None:
    """Envelopes in CloudEvents binary mode, or raw ``(value, key, headers)`` records."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        for message in messages:
            if isinstance(message, Envelope):
                key, value, headers = to_kafka_record(message)
            else:
                value, key, headers = message
            await producer.send_and_wait(topic, value, key=key, headers=headers)
    finally:
        await producer.stop()


async def run_until_tallied(
    runner: KafkaConsumerRunner, store: SqlEventStore, bootstrap: str, *, dead_letters: int
) -> list:
    """Run the consumer until ``dead_letters`` records reached the dead-letter topic and a
    tally exists; returns the dead letters."""
    topic = runner.topics[0]
    await runner.start()
    task = asyncio.create_task(runner.run())
    try:
        dead = await read_topic(bootstrap, dead_letter_topic(topic), expected=dead_letters)
        async with asyncio.timeout(20):
            while True:
                if await tallied(store):
                    break
                await asyncio.sleep(0.2)
    finally:
        await runner.stop()
        await task
    return dead


async def tallied(store: SqlEventStore) -> list[tuple[str, int]]:
    async with store.engine.connect() as connection:
        rows = (await connection.execute(select(tallies).order_by(tallies.c.stream_id))).all()
    return sorted((r.stream_id, r.total) for r in rows)


async def test_the_w3c_trace_context_and_correlation_travel_in_the_kafka_headers(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)
    traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    correlation = uuid4()
    metadata = Metadata(
        traceparent=traceparent, tracestate="guichet=1", correlation_id=correlation, actor="alice"
    )
    [stored] = await pg_store.append(uuid4(), "tally", 0, [Tallied(amount=1)], metadata)
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    try:
        await OutboxRelay(pg_store, publisher).publish_pending()
    finally:
        await publisher.stop()
    [record] = await read_topic(kafka_bootstrap, topic, expected=1)
    headers = dict(record.headers)
    assert headers["traceparent"] == traceparent.encode()
    assert headers["tracestate"] == b"guichet=1"
    assert from_kafka_record(record.value, record.headers).metadata == metadata
    assert headers["ce_id"] == str(stored.id).encode()


async def test_a_relay_whose_lock_session_dies_stands_down_so_two_never_publish_together(
    pg_store, kafka_bootstrap, topic, monkeypatch
):
    """PostgreSQL releases an advisory lock with its session. The leader used to go on
    publishing after its lock's connection died while a second instance took the lock: both
    published everything. Now the leader notices, stands down and competes again."""
    from sqlalchemy import text

    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)

    async def lock_holders(relay: OutboxRelay) -> list[int]:
        async with pg_store.engine.connect() as connection:
            rows = await connection.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND ((classid::bigint << 32) | objid::bigint) = :key"
                ),
                {"key": relay._lock_key},
            )
            return [row.pid for row in rows]

    async def wait_for_one_holder(relay: OutboxRelay) -> int:
        async with asyncio.timeout(20):
            while True:
                holders = await lock_holders(relay)
                if len(holders) == 1:
                    return holders[0]
                await asyncio.sleep(0.05)

    publishers: list[CountingPublisher] = []
    relays: list[OutboxRelay] = []
    tasks: list[asyncio.Task[None]] = []
    for _ in range(2):
        publisher = CountingPublisher(kafka_bootstrap)
        await publisher.start()
        publishers.append(publisher)
        relays.append(OutboxRelay(pg_store, publisher, leadership_check=0.1))
    try:
        with when_logged("relay.leadership_lost") as stood_down:
            tasks.append(asyncio.create_task(relays[0].run()))
            first_leader = await wait_for_one_holder(relays[0])
            async with pg_store.engine.connect() as connection:
                await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_leader})
            tasks.append(asyncio.create_task(relays[1].run()))
            async with asyncio.timeout(20):
                await stood_down.wait()  # the first relay has noticed
        await wait_for_one_holder(relays[0])  # one of the two leads now
        await append_many(pg_store, streams=4, per_stream=5)
        records = await read_topic(kafka_bootstrap, topic, expected=20)
    finally:
        for relay in relays:
            await relay.stop()
        await asyncio.gather(*tasks)
        for publisher in publishers:
            await publisher.stop()
    assert len(records) == 20  # published once: not by two leaders
    assert sum(publisher.published for publisher in publishers) == 20  # until both stopped
