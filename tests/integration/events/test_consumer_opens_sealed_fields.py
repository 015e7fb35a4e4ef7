"""A consumer opens the personal fields it receives sealed (as Kafka carries them) with its
service's key ring: one reveal per batch, clear values while the key exists, erased values once
it is destroyed; what it parks keeps the sealed form."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import orjson
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy.ext.asyncio import AsyncConnection

from events.bus import KafkaPublisher, from_kafka_record, to_kafka_record
from events.catalogue import ERASED, DomainEvent
from events.consumer import Consumer, Handler, Outcome
from events.db import create_engine
from events.envelope import Envelope
from events.migrations import upgrade_platform
from events.pii.keyring import Keyring
from events.pii.protector import EncryptedPayloads
from events.pii.sealing import SEALED
from events.pii.wrapping import MasterKeyWrapper
from events.relay import OutboxRelay
from events.runners import KafkaConsumerRunner
from events.store import SqlEventStore
from events.testing.servers import make_database

MASTER_KEY = secrets.token_bytes(32)


class ClientWrote(
    DomainEvent, type="openertest.ClientWrote", pii=("name", "email"), subject_field="client_id"
):
    client_id: str
    name: str
    email: str | None = None


class Counted(DomainEvent, type="openertest.Counted"):
    value: int


class CountingOpener(EncryptedPayloads):
    """The key ring's protector, counting its reveals and the envelopes each was handed."""

    def __init__(self, keyring: Keyring) -> None:
        super().__init__(keyring)
        self.batches: list[int] = []

    async def reveal(self, envelopes: list[Envelope]) -> list[Envelope]:
        self.batches.append(len(envelopes))
        return await super().reveal(envelopes)


class Seen:
    """A handler that records what it was given, and fails on the names in ``poison``."""

    def __init__(self, poison: frozenset[str] = frozenset()) -> None:
        self.events: list[DomainEvent] = []
        self.poison = poison

    async def __call__(self, envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
        if getattr(event, "name", None) in self.poison:
            raise ValueError("a poison event")
        self.events.append(event)

    def emails(self) -> list[Any]:
        return [getattr(event, "email", None) for event in self.events]


def consumer(
    store: SqlEventStore, seen: Seen, opener: EncryptedPayloads | None, name: str = "opening"
) -> Consumer:
    handlers: dict[str, Handler] = {"openertest.ClientWrote": seen, "openertest.Counted": seen}
    return Consumer(name, store.engine, handlers, opener=opener)


def keyring(store: SqlEventStore) -> Keyring:
    """Another process's key ring on the same key database (an empty cache)."""
    assert isinstance(store.protector, EncryptedPayloads)
    return Keyring(store.protector.keyring.engine, MasterKeyWrapper(MASTER_KEY))


def over_kafka(envelope: Envelope) -> Envelope:
    """What a Kafka consumer decodes of ``envelope`` once published: the stored (sealed) form."""
    _, value, headers = to_kafka_record(envelope)
    return from_kafka_record(value, headers)


@pytest.fixture
async def sealing(tmp_path) -> AsyncIterator[SqlEventStore]:
    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    keys_engine = create_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    for migrated in (engine, keys_engine):
        await upgrade_platform(migrated)
    yield SqlEventStore(
        engine,
        source="/guichet/test",
        protector=EncryptedPayloads(Keyring(keys_engine, MasterKeyWrapper(MASTER_KEY))),
    )
    await engine.dispose()
    await keys_engine.dispose()


async def received(store: SqlEventStore) -> list[Envelope]:
    return [over_kafka(envelope) for envelope in await store.read_all(0)]


async def test_handlers_get_the_clear_values_of_a_batch_opened_in_one_reveal(sealing: SqlEventStore):
    await sealing.append(uuid4(), "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")])
    await sealing.append(uuid4(), "client", 0, [ClientWrote(client_id="c-2", name="Bob", email="bob@x.org")])
    await sealing.append(uuid4(), "count", 0, [Counted(value=1)])
    batch = await received(sealing)
    assert all(b"ada@x.org" not in orjson.dumps(envelope.data) for envelope in batch)

    blind = Seen()
    await consumer(sealing, blind, None, name="blind").process_many(batch)
    assert blind.emails() == [None, None, None], "without a key ring a sealed field reads as erased"

    seen, opener = Seen(), CountingOpener(keyring(sealing))
    assert await consumer(sealing, seen, opener).process_many(batch) == [Outcome.PROCESSED] * 3
    assert seen.emails() == ["ada@x.org", "bob@x.org", None]
    assert [getattr(event, "name", None) for event in seen.events] == ["Ada", "Bob", None]
    assert opener.batches == [2], "one reveal for the batch, handed the sealed envelopes only"


async def test_a_batch_with_nothing_sealed_is_not_revealed(sealing: SqlEventStore):
    await sealing.append(uuid4(), "count", 0, [Counted(value=1), Counted(value=2)])
    opener = CountingOpener(keyring(sealing))
    assert (
        await consumer(sealing, Seen(), opener).process_many(await received(sealing))
        == [Outcome.PROCESSED] * 2
    )
    assert opener.batches == []


async def test_envelopes_already_opened_by_the_producers_store_are_not_revealed_again(
    sealing: SqlEventStore,
):
    await sealing.append(uuid4(), "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")])
    seen, opener = Seen(), CountingOpener(keyring(sealing))
    await consumer(sealing, seen, opener).process_many(await sealing.read_all(0))
    assert seen.emails() == ["ada@x.org"] and opener.batches == []


async def test_after_the_subjects_erasure_a_fresh_consumer_reads_erased_values(sealing: SqlEventStore):
    await sealing.append(uuid4(), "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")])
    await sealing.append(uuid4(), "client", 0, [ClientWrote(client_id="c-2", name="Bob", email="bob@x.org")])
    assert isinstance(sealing.protector, EncryptedPayloads)
    assert await sealing.protector.keyring.destroy("c-1")

    seen = Seen()
    await consumer(sealing, seen, EncryptedPayloads(keyring(sealing))).process_many(await received(sealing))
    assert seen.emails() == [None, "bob@x.org"]
    assert [getattr(event, "name", None) for event in seen.events] == [ERASED, "Bob"]


async def test_a_parked_event_keeps_the_sealed_form_and_opens_again_when_released(sealing: SqlEventStore):
    stream = uuid4()
    await sealing.append(stream, "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")])
    poisoned = Seen(poison=frozenset({"Ada"}))
    parking = consumer(sealing, poisoned, EncryptedPayloads(keyring(sealing)))
    assert await parking.process_many(await received(sealing)) == [Outcome.PARKED]

    [parked] = await parking.parked(str(stream))
    stored = orjson.dumps(parked["message"])
    assert b"ada@x.org" not in stored and b"Ada" not in stored
    assert SEALED in parked["message"]["data"]

    poisoned.poison = frozenset()
    assert await parking.release(str(stream)) == [Outcome.PROCESSED]
    assert poisoned.emails() == ["ada@x.org"]


async def test_a_seal_that_does_not_open_parks_its_event_and_the_rest_of_the_batch_goes_on(
    sealing: SqlEventStore,
):
    moved, intact = uuid4(), uuid4()
    await sealing.append(moved, "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")])
    await sealing.append(intact, "client", 0, [ClientWrote(client_id="c-2", name="Bob", email="bob@x.org")])
    first, second = await received(sealing)
    # c-1's sealed value pasted into another event of the same subject: it does not authenticate.
    forged = first.model_copy(update={"id": uuid4(), "stream_id": intact, "stream_version": 2})
    seen = Seen()
    outcomes = await consumer(sealing, seen, EncryptedPayloads(keyring(sealing))).process_many(
        [first, forged, second]
    )
    assert outcomes == [Outcome.PROCESSED, Outcome.PARKED, Outcome.PARKED]
    assert seen.emails() == ["ada@x.org"]


@pytest.fixture
async def postgres_sealing(postgres_url: str, tmp_path) -> AsyncIterator[SqlEventStore]:
    url = await make_database(postgres_url, f"opening_{tmp_path.name[-12:].lower()}")
    engine = create_engine(url)
    await upgrade_platform(engine)
    yield SqlEventStore(
        engine,
        source="/guichet/test",
        protector=EncryptedPayloads(Keyring(engine, MasterKeyWrapper(MASTER_KEY))),
    )
    await engine.dispose()


@pytest.fixture
async def topic(kafka_bootstrap: str) -> str:
    name = f"guichet.openertest.{uuid4().hex[:8]}"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    return name


async def consume_over_kafka(store: SqlEventStore, bootstrap: str, topic: str, expected: int) -> Seen:
    """A fresh consumer group with a fresh key ring on the store's key database reads ``topic``."""
    seen = Seen()
    runner = KafkaConsumerRunner(
        consumer(store, seen, EncryptedPayloads(keyring(store)), name=f"opening-{uuid4().hex[:6]}"),
        bootstrap=bootstrap,
        topics=[topic],
    )
    await runner.start()
    try:
        async with asyncio.timeout(60):
            while len(seen.events) < expected:
                await runner.poll()
    finally:
        await runner.close()
    return seen


async def test_over_kafka_a_consumer_holds_the_clear_email_until_the_subject_is_erased(
    postgres_sealing: SqlEventStore, kafka_bootstrap: str, topic: str, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)
    await postgres_sealing.append(
        uuid4(), "client", 0, [ClientWrote(client_id="c-1", name="Ada", email="ada@x.org")]
    )
    await postgres_sealing.append(
        uuid4(), "client", 0, [ClientWrote(client_id="c-2", name="Bob", email="bob@x.org")]
    )
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    try:
        assert await OutboxRelay(postgres_sealing, publisher).publish_pending() == 2
    finally:
        await publisher.stop()

    before = await consume_over_kafka(postgres_sealing, kafka_bootstrap, topic, expected=2)
    assert sorted(before.emails()) == ["ada@x.org", "bob@x.org"]

    assert isinstance(postgres_sealing.protector, EncryptedPayloads)
    assert await postgres_sealing.protector.keyring.destroy("c-1")
    after = await consume_over_kafka(postgres_sealing, kafka_bootstrap, topic, expected=2)
    by_client = {event.client_id: event for event in after.events if isinstance(event, ClientWrote)}
    assert (by_client["c-1"].name, by_client["c-1"].email) == (ERASED, None)
    assert (by_client["c-2"].name, by_client["c-2"].email) == ("Bob", "bob@x.org")
