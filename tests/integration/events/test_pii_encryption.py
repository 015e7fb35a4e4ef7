"""Personal fields sealed per data subject and category, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import itertools
import logging
import secrets
from collections.abc import AsyncIterator
from uuid import uuid4

import orjson
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.structs import ConsumerRecord
from sqlalchemy import select, text

from events.bus import KafkaPublisher, from_kafka_record
from events.catalogue import ERASED, DomainEvent
from events.db import create_engine
from events.integrity import verify_chain
from events.migrations import upgrade_platform
from events.pii.erasure import destroy_keys
from events.pii.keyring import Keyring
from events.pii.protector import EncryptedPayloads
from events.pii.sealing import SEALED, SealBroken
from events.pii.wrapping import MasterKeyWrapper
from events.relay import OutboxRelay
from events.store import SqlEventStore
from events.tables import snapshots
from events.testing.servers import make_database

_databases = itertools.count()
MASTER_KEY = secrets.token_bytes(32)


class ClientNoted(
    DomainEvent,
    type="test.ClientNoted",
    pii=("name", "email", "note"),
    pii_categories={"note": "complaint"},
    subject_field="client_id",
):
    client_id: str
    name: str
    email: str | None = None
    note: str | None = None
    score: int = 0


class Plain(DomainEvent, type="test.PiiPlainBump"):
    by: int


@pytest.fixture(params=["sqlite", "postgres"])
async def encrypted(request, tmp_path) -> AsyncIterator[SqlEventStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
        keys_url = f"sqlite:///{tmp_path / 'keys.db'}"
    else:
        name = f"pii_{next(_databases)}_{tmp_path.name[-12:].lower()}"
        url = keys_url = await make_database(request.getfixturevalue("postgres_url"), name)
    engine = create_engine(url, pool_size=10)
    await upgrade_platform(engine)
    keys_engine = engine if keys_url == url else create_engine(keys_url)
    if keys_engine is not engine:
        await upgrade_platform(keys_engine)
    keyring = Keyring(keys_engine, MasterKeyWrapper(MASTER_KEY))
    yield SqlEventStore(engine, source="/guichet/test", protector=EncryptedPayloads(keyring))
    await engine.dispose()
    await keys_engine.dispose()


def keyring_of(store: SqlEventStore) -> Keyring:
    assert isinstance(store.protector, EncryptedPayloads)
    return store.protector.keyring


async def stored_rows(store: SqlEventStore) -> list[str]:
    async with store.engine.connect() as connection:
        rows = await connection.execute(text("SELECT CAST(data AS TEXT), CAST(pii AS TEXT) FROM events"))
        return [f"{data} {pii}" for data, pii in rows]


async def test_personal_fields_are_stored_sealed_and_read_back_in_clear(encrypted: SqlEventStore):
    stream = uuid4()
    event = ClientNoted(client_id="c-1", name="Ada Lovelace", email="ada@example.org", note="late", score=3)
    [appended] = await encrypted.append(stream, "client", 0, [event])
    assert appended.decode() == event
    [read] = await encrypted.read_stream(stream)
    assert read.decode() == event and read.data == appended.data
    assert read.sealed is not None and read.sealed["score"] == 3
    assert {"name", "email", "note"}.isdisjoint(read.sealed)
    assert len(read.sealed[SEALED]) == len(read.pii.key_id.split()) == 2  # type: ignore[union-attr]
    [row] = await stored_rows(encrypted)
    assert "Ada" not in row and "ada@example.org" not in row and "late" not in row
    [page] = [page async for page in encrypted.iter_all()]
    assert [e.decode() for e in page] == [event]
    verify_chain(await encrypted.read_stream(stream))


async def test_a_category_has_its_own_key_per_subject(encrypted: SqlEventStore):
    await encrypted.append(uuid4(), "client", 0, [ClientNoted(client_id="c-1", name="A", note="n")])
    await encrypted.append(uuid4(), "client", 0, [ClientNoted(client_id="c-2", name="B", note="n")])
    first = await keyring_of(encrypted).keys_of("c-1")
    second = await keyring_of(encrypted).keys_of("c-2")
    assert sorted(k.category for k in first) == ["complaint", "contractual"]
    assert not {k.key_id for k in first} & {k.key_id for k in second}


async def test_a_ciphertext_moved_to_another_event_does_not_open(encrypted: SqlEventStore):
    one, other = uuid4(), uuid4()
    [a] = await encrypted.append(one, "client", 0, [ClientNoted(client_id="c-1", name="Ada")])
    [b] = await encrypted.append(other, "client", 0, [ClientNoted(client_id="c-1", name="Bob")])
    assert a.sealed is not None and b.sealed is not None
    moved = b.stored().model_copy(update={"data": b.sealed | {SEALED: a.sealed[SEALED]}})
    with pytest.raises(SealBroken):
        await encrypted.protector.reveal([moved])
    assert [e.decode().name for e in await encrypted.protector.reveal([b.stored()])] == ["Bob"]  # type: ignore[attr-defined]


async def test_destroying_a_subjects_keys_erases_their_fields_and_keeps_count_and_chain(
    encrypted: SqlEventStore,
):
    stream, bystander = uuid4(), uuid4()
    await encrypted.append(stream, "client", 0, [ClientNoted(client_id="c-9", name="Eve", email="e@x.fr")])
    await encrypted.append(
        stream, "client", 1, [Plain(by=1), ClientNoted(client_id="c-9", name="Eve", note="n")]
    )
    await encrypted.append(bystander, "client", 0, [ClientNoted(client_id="c-8", name="Kept")])
    before = await encrypted.read_stream(stream)
    async with encrypted.engine.begin() as connection:
        for snapshotted in (stream, bystander):
            await connection.execute(
                snapshots.insert().values(
                    stream_id=snapshotted, version=1, schema_version=1, state={"name": "Eve"}
                )
            )
    erasure = await destroy_keys(keyring_of(encrypted), "c-9", event_engines=[encrypted.engine])
    assert len(erasure.key_ids) == 2 and erasure.events_affected == 2
    async with encrypted.engine.connect() as connection:
        kept_snapshots = (await connection.execute(select(snapshots.c.stream_id))).scalars().all()
    assert kept_snapshots == [bystander]
    after = await encrypted.read_stream(stream)
    assert len(after) == len(before) == 3
    assert [e.hash for e in after] == [e.hash for e in before]
    verify_chain(after)
    first = after[0].decode()
    assert (first.name, first.email, first.client_id) == (ERASED, None, "c-9")  # type: ignore[attr-defined]
    assert after[0].erased_fields == ("email", "name")
    assert after[2].erased_fields == ("name", "note")
    assert after[1].decode() == Plain(by=1)
    [kept] = await encrypted.read_stream(bystander)
    assert kept.decode().name == "Kept"  # type: ignore[attr-defined]
    again = await destroy_keys(keyring_of(encrypted), "c-9", event_engines=[encrypted.engine])
    assert again.key_ids == () and again.events_affected == 0


async def test_erasing_one_category_keeps_the_others(encrypted: SqlEventStore):
    stream = uuid4()
    await encrypted.append(stream, "client", 0, [ClientNoted(client_id="c-5", name="Zoe", note="angry call")])
    erasure = await destroy_keys(
        keyring_of(encrypted), "c-5", ["complaint"], event_engines=[encrypted.engine]
    )
    assert len(erasure.key_ids) == 1 and erasure.events_affected == 1
    [read] = await encrypted.read_stream(stream)
    event = read.decode()
    assert (event.name, event.note) == ("Zoe", None)  # type: ignore[attr-defined]


async def test_another_process_sees_a_destroyed_key_once_its_cache_entry_expires(encrypted: SqlEventStore):
    keyring = keyring_of(encrypted)
    now = [0.0]
    other_keyring = Keyring(keyring.engine, keyring.wrapper, ttl=1.0, monotonic=lambda: now[0])
    other = SqlEventStore(
        encrypted.engine, source="/guichet/test", protector=EncryptedPayloads(other_keyring)
    )
    stream = uuid4()
    await encrypted.append(stream, "client", 0, [ClientNoted(client_id="c-3", name="Ann")])
    assert (await other.read_stream(stream))[0].decode().name == "Ann"  # type: ignore[attr-defined]
    await destroy_keys(keyring, "c-3")
    now[0] = 1.5
    assert (await other.read_stream(stream))[0].erased_fields == ("name",)


async def test_no_key_material_reaches_the_events_table_or_the_logs(
    encrypted: SqlEventStore, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG)
    await encrypted.append(uuid4(), "client", 0, [ClientNoted(client_id="c-7", name="Max")])
    keyring = keyring_of(encrypted)
    [live] = (await keyring.live_keys([("c-7", "contractual")])).values()
    async with keyring.engine.connect() as connection:
        query = text("SELECT wrapped_key FROM subject_keys WHERE key_id = :key_id")
        wrapped = (await connection.execute(query, {"key_id": live.key_id})).scalar_one()
    data_key = keyring.wrapper.unwrap(bytes(wrapped))
    forms = [
        data_key.hex(),
        base64.b64encode(data_key).decode(),
        MASTER_KEY.hex(),
        base64.b64encode(MASTER_KEY).decode(),
    ]
    rows = " ".join(await stored_rows(encrypted))
    logged = caplog.text
    for form in forms:
        assert form not in rows and form not in logged
    assert live.key_id in rows  # the key id is public, the key is not
    assert orjson.dumps(data_key.hex()).decode() not in rows


@pytest.fixture
async def pg_encrypted(postgres_url, tmp_path) -> AsyncIterator[SqlEventStore]:
    url = await make_database(postgres_url, f"pii_kafka_{next(_databases)}_{tmp_path.name[-12:].lower()}")
    engine = create_engine(url, pool_size=10)
    await upgrade_platform(engine)
    keyring = Keyring(engine, MasterKeyWrapper(MASTER_KEY))
    yield SqlEventStore(engine, source="/guichet/test", protector=EncryptedPayloads(keyring))
    await engine.dispose()


async def read_records(bootstrap: str, topic: str, expected: int) -> list[ConsumerRecord[bytes, bytes]]:
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=f"fresh-{uuid4()}", auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        async with asyncio.timeout(30):
            while len(records) < expected:
                for messages in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(messages)
    finally:
        await consumer.stop()
    return records


async def test_kafka_carries_the_ciphertext_and_a_fresh_consumer_opens_it_only_while_the_key_exists(
    pg_encrypted: SqlEventStore, kafka_bootstrap: str, monkeypatch: pytest.MonkeyPatch
):
    topic = f"guichet.piitest.{uuid4().hex[:8]}"
    monkeypatch.setattr("events.bus.topic_for", lambda context: topic)
    stream = uuid4()
    event = ClientNoted(client_id="c-kafka", name="Grace Hopper", email="grace@example.org", score=7)
    [appended] = await pg_encrypted.append(stream, "client", 0, [event])
    publisher = KafkaPublisher(kafka_bootstrap)
    await publisher.start()
    try:
        assert await OutboxRelay(pg_encrypted, publisher).publish_pending() == 1
    finally:
        await publisher.stop()
    [record] = await read_records(kafka_bootstrap, topic, expected=1)
    assert record.value is not None
    raw = record.value + b"".join(value for _, value in record.headers)
    assert b"Grace" not in raw and b"grace@example.org" not in raw
    assert orjson.loads(record.value) == appended.sealed
    keyring = keyring_of(pg_encrypted)
    [live] = (await keyring.live_keys([("c-kafka", "contractual")])).values()
    async with keyring.engine.connect() as connection:
        query = text("SELECT wrapped_key FROM subject_keys WHERE key_id = :key_id")
        wrapped = bytes((await connection.execute(query, {"key_id": live.key_id})).scalar_one())
    data_key = keyring.wrapper.unwrap(wrapped)
    for form in (data_key, wrapped, data_key.hex().encode(), base64.b64encode(data_key), MASTER_KEY):
        assert form not in raw

    received = from_kafka_record(record.value, record.headers)
    without_keys = received.decode()
    assert (without_keys.name, without_keys.email, without_keys.score) == (ERASED, None, 7)  # type: ignore[attr-defined]
    fresh = EncryptedPayloads(Keyring(keyring.engine, MasterKeyWrapper(MASTER_KEY)))
    [opened] = await fresh.reveal([received])
    assert opened.decode() == event
    verify_chain([opened])

    await destroy_keys(keyring, "c-kafka")
    [again] = await read_records(kafka_bootstrap, topic, expected=1)
    after = EncryptedPayloads(Keyring(keyring.engine, MasterKeyWrapper(MASTER_KEY)))
    [erased] = await after.reveal([from_kafka_record(again.value, again.headers)])
    assert erased.erased_fields == ("email", "name")
    assert erased.decode().name == ERASED  # type: ignore[attr-defined]
    verify_chain([erased])
