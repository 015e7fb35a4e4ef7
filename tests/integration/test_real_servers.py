"""The real-server harness works: SQL and Kafka round trips against live servers."""

from __future__ import annotations

import asyncio
import uuid
from urllib.parse import urlsplit

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import ConsumerRecord, TopicPartition
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from events.testing.servers import PostgresServer, make_database


async def test_postgres_round_trip(postgres_url: str) -> None:
    table = f"harness_rt_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres_url)
    try:
        await conn.execute(f"CREATE TABLE {table} (id bigserial PRIMARY KEY, body text NOT NULL, doc jsonb)")
        await conn.executemany(
            f"INSERT INTO {table} (body, doc) VALUES ($1, $2::jsonb)",
            [("first", '{"n": 1}'), ("second", '{"n": 2}'), ("troisième", '{"n": 3}')],
        )
        rows = await conn.fetch(f"SELECT id, body, doc->>'n' AS n FROM {table} ORDER BY id")
        assert [(r["body"], r["n"]) for r in rows] == [
            ("first", "1"),
            ("second", "2"),
            ("troisième", "3"),
        ]
        assert [r["id"] for r in rows] == [1, 2, 3]
        assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        assert int(await conn.fetchval("SHOW server_version_num")) >= 130000
    finally:
        await conn.execute(f"DROP TABLE IF EXISTS {table}")
        await conn.close()


async def test_make_database_is_isolated(postgres_server: PostgresServer) -> None:
    name = f"harness_{uuid.uuid4().hex[:8]}"
    url = await make_database(postgres_server.sqlalchemy_url, name)
    assert url.startswith("postgresql+asyncpg://") and urlsplit(url).path == "/" + name

    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            assert (await conn.execute(text("SELECT current_database()"))).scalar_one() == name
            await conn.execute(text("CREATE TABLE only_here (x int)"))
            await conn.execute(text("INSERT INTO only_here VALUES (42)"))
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT x FROM only_here"))).scalar_one() == 42
    finally:
        await engine.dispose()

    base = await asyncpg.connect(postgres_server.url)
    try:
        assert await base.fetchval("SELECT to_regclass('only_here')") is None
        # Re-creating gives an empty database again.
        await make_database(postgres_server.url, name)
        fresh = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            assert await fresh.fetchval("SELECT to_regclass('only_here')") is None
        finally:
            await fresh.close()
        await base.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await base.close()


async def test_kafka_round_trip(kafka_bootstrap: str) -> None:
    suffix = uuid.uuid4().hex[:8]
    topic = f"harness-rt-{suffix}"

    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        assert topic in await admin.list_topics()
    finally:
        await admin.close()

    sent = [
        (
            f"req-{i}".encode(),
            f"payload {i} é".encode(),
            [("trace-id", suffix.encode()), ("seq", str(i).encode())],
        )
        for i in range(3)
    ]
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for key, value, headers in sent:
            meta = await producer.send_and_wait(topic, value=value, key=key, headers=headers)
            assert meta.topic == topic and meta.partition == 0
    finally:
        await producer.stop()

    group = f"harness-group-{suffix}"
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka_bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        received: list[ConsumerRecord[bytes, bytes]] = []
        async with asyncio.timeout(60):
            while len(received) < len(sent):
                batches = await consumer.getmany(timeout_ms=1000)
                for records in batches.values():
                    received.extend(records)
        assert [r.offset for r in received] == [0, 1, 2]
        assert [(r.key, r.value, list(r.headers)) for r in received] == [(k, v, h) for k, v, h in sent]
        await consumer.commit()
        assert await consumer.committed(TopicPartition(topic, 0)) == 3
    finally:
        await consumer.stop()
