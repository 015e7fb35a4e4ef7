"""The event platform on PostgreSQL (and Kafka), side by side with the eventsourcing library.

Figures (``events/s`` unless said otherwise):

* append single (c=32): 32 asyncio tasks, each appending ONE event per ``store.append`` to
  its own stream (``expected_version`` = what it appended last). Compared with the
  eventsourcing library doing the same number of single-event ``app.save`` from 32 threads.
* append batched (c=8): 8 tasks appending 100 events per call; eventsourcing: 100 pending
  events per save, 8 threads.
* replay: ``iter_all`` (``read_all`` pages of 1,000, the next fetched while one is folded)
  over every stored event, once right after the writes (PostgreSQL then also sets each
  row's hint bits: informational) and once after ``VACUUM (ANALYZE) events``, the state
  autovacuum leaves a table in (the target figure), folded into a projection
  (events and last version per stream, notes per author).
* relay: ``OutboxRelay.publish_pending`` to Kafka (``KafkaPublisher``: idempotent, acks=all)
  of every stored event, checkpoint saved after each acked batch.
* consumer: ``KafkaConsumerRunner`` + ``Consumer`` (inbox dedupe + handler upserting a
  projection row, one transaction per poll, savepoints only after a handler failure)
  reading what the relay published.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import Counter
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from bench import eventsourcing_lib as es
from bench.core import Context, Result, scaled
from bench.workload import STREAM_TYPE, noted

APPEND_TARGET_RATIO = 3.0
REPLAY_TARGET = 100_000
RELAY_TARGET = 20_000
REPLAY_PAGE = 1000
BATCH = 100
SINGLE_C = 32
BATCH_C = 8


async def _append_single(store: Any, concurrency: int, per_worker: int) -> tuple[int, float]:
    async def worker() -> None:
        stream = uuid.uuid4()
        for version in range(per_worker):
            await store.append(stream, STREAM_TYPE, version, [noted(stream, version + 1)])

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return concurrency * per_worker, time.perf_counter() - began


async def _append_batched(store: Any, concurrency: int, per_worker: int, batch: int) -> tuple[int, float]:
    async def worker() -> None:
        stream = uuid.uuid4()
        for start in range(0, per_worker - per_worker % batch, batch):
            events = [noted(stream, start + i + 1) for i in range(batch)]
            await store.append(stream, STREAM_TYPE, start, events)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return concurrency * (per_worker // batch) * batch, time.perf_counter() - began


async def _replay(store: Any) -> tuple[int, float, dict[str, Any]]:
    """Fold every event, in the gap-safe global order, into an in-memory projection."""
    versions: dict[uuid.UUID, int] = {}
    per_stream: Counter[uuid.UUID] = Counter()
    per_author: Counter[str] = Counter()
    seen = 0
    began = time.perf_counter()
    async for page in store.iter_all(0, REPLAY_PAGE):
        for envelope in page:
            versions[envelope.stream_id] = envelope.stream_version
            per_stream[envelope.stream_id] += 1
            per_author[envelope.data["author"]] += 1
        seen += len(page)
    elapsed = time.perf_counter() - began
    return seen, elapsed, {"streams": len(versions), "authors": len(per_author)}


async def _create_topic(bootstrap: str, topic: str, partitions: int = 3) -> None:
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def _consume(ctx: Context, bootstrap: str, topic: str, wanted: int) -> tuple[int, float]:
    from events.consumer import Consumer
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.runners import KafkaConsumerRunner

    # aiokafka logs the coordinator lookup retries of a fresh group at ERROR: not a failure.
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    engine = create_engine(await ctx.database("bench_consumer"), pool_size=4)
    try:
        await upgrade_platform(engine)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "CREATE TABLE bench_ticket_notes (ticket_id uuid PRIMARY KEY, "
                    "notes int NOT NULL, last_seq int NOT NULL, author text NOT NULL)"
                )
            )
        handled = 0
        done = asyncio.Event()
        first: list[float] = []

        async def on_noted(envelope: Any, event: Any, connection: AsyncConnection) -> None:
            nonlocal handled
            await connection.execute(
                text(
                    "INSERT INTO bench_ticket_notes VALUES (:id, 1, :seq, :author) "
                    "ON CONFLICT (ticket_id) DO UPDATE SET notes = bench_ticket_notes.notes + 1,"
                    " last_seq = EXCLUDED.last_seq"
                ),
                {"id": event.ticket_id, "seq": event.seq, "author": event.author},
            )
            handled += 1
            if not first:
                first.append(time.perf_counter())
            if handled >= wanted:
                done.set()

        consumer = Consumer("bench-projection", engine, {"bench.TicketNoted": on_noted})
        runner = KafkaConsumerRunner(
            consumer, bootstrap=bootstrap, topics=[topic], group_id=f"bench-{uuid.uuid4().hex[:8]}"
        )
        await runner.start()
        task = asyncio.create_task(runner.run())
        try:
            await asyncio.wait_for(done.wait(), timeout=max(60.0, wanted / 100))
        except TimeoutError:
            ctx.note(f"consumer: timed out after {handled} of {wanted} events")
        ended = time.perf_counter()
        await runner.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(task, 30)
        # Timed from the first handled event: group join and partition assignment excluded.
        return handled, (ended - first[0]) if first else float("nan")
    finally:
        await engine.dispose()


async def _server_settings(engine: Any) -> dict[str, str]:
    async with engine.connect() as connection:
        settings = {}
        for name in (
            "server_version",
            "fsync",
            "synchronous_commit",
            "shared_buffers",
            "wal_level",
            "max_connections",
        ):
            settings[name] = (await connection.execute(text(f"SHOW {name}"))).scalar_one()
        return settings


async def run(ctx: Context) -> list[Result]:
    from events.db import create_engine
    from events.migrations import upgrade_platform
    from events.store import SqlEventStore

    n_single = scaled(20_000, minimum=SINGLE_C * 10, multiple=SINGLE_C)
    n_batch = scaled(100_000, minimum=BATCH_C * BATCH, multiple=BATCH_C * BATCH)
    n_consume = scaled(10_000, minimum=500)
    results: list[Result] = []

    store_url = await ctx.database("bench_store")
    engine = create_engine(store_url, pool_size=SINGLE_C)
    store = SqlEventStore(engine, source="/guichet/bench")
    try:
        await upgrade_platform(engine)
        ctx.environment["postgres"] = await _server_settings(engine)
        print(f"  PostgreSQL {ctx.environment['postgres']}", flush=True)

        # Warm-up: fills the pool and SQLAlchemy's statement caches, on throwaway streams.
        await _append_single(store, SINGLE_C, 5)
        await _append_batched(store, BATCH_C, BATCH, BATCH)

        # --- ours
        print(f"  ours: {n_single} single-event appends from {SINGLE_C} tasks ...", flush=True)
        ours_single, t_single = await _append_single(store, SINGLE_C, n_single // SINGLE_C)
        n_c1 = max(n_single // 10, 100)
        ours_c1, t_c1 = await _append_single(store, 1, n_c1)
        print(f"  ours: {n_batch} events in appends of {BATCH} from {BATCH_C} tasks ...", flush=True)
        ours_batch, t_batch = await _append_batched(store, BATCH_C, n_batch // BATCH_C, BATCH)

        # --- the eventsourcing library, same server, its own database
        es_url = await ctx.database("bench_eventsourcing")
        app = await asyncio.to_thread(es.open_app, es_url, SINGLE_C)
        try:
            await asyncio.to_thread(es.append_single, app, SINGLE_C, 5)  # warm-up
            print(f"  eventsourcing: {n_single} single-event saves from {SINGLE_C} threads ...", flush=True)
            es_single, te_single = await asyncio.to_thread(
                es.append_single, app, SINGLE_C, n_single // SINGLE_C
            )
            print(
                f"  eventsourcing: {n_batch} events in saves of {BATCH} from {BATCH_C} threads ...",
                flush=True,
            )
            es_batch, te_batch = await asyncio.to_thread(
                es.append_batched, app, BATCH_C, n_batch // BATCH_C, BATCH
            )
        finally:
            await asyncio.to_thread(app.close)

        results += [
            Result(
                f"append single (c={SINGLE_C})",
                ours_single / t_single,
                target=APPEND_TARGET_RATIO,
                baseline=es_single / te_single,
                baseline_label="eventsourcing",
                count=ours_single,
                seconds=t_single,
                extra={"eventsourcing_count": es_single, "eventsourcing_seconds": te_single},
            ),
            Result(
                f"append batched ({BATCH}/append, c={BATCH_C})",
                ours_batch / t_batch,
                target=APPEND_TARGET_RATIO,
                baseline=es_batch / te_batch,
                baseline_label="eventsourcing",
                count=ours_batch,
                seconds=t_batch,
                extra={"eventsourcing_count": es_batch, "eventsourcing_seconds": te_batch},
            ),
            Result(
                "append single (c=1)",
                ours_c1 / t_c1,
                count=ours_c1,
                seconds=t_c1,
                detail=f"latency {1000 * t_c1 / ours_c1:.2f} ms/append",
            ),
        ]
        for result in results:
            print("  " + result.line(), flush=True)

        # --- replay
        print("  replay: read_all over the whole store, right after the writes ...", flush=True)
        fresh, t_fresh, _ = await _replay(store)
        async with engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text("VACUUM (ANALYZE) events"))
        print("  replay: again, the table vacuumed (as autovacuum leaves it) ...", flush=True)
        replayed, t_replay, shape = await _replay(store)
        results.append(
            Result(
                "replay (read_all -> projection)",
                replayed / t_replay,
                target=REPLAY_TARGET,
                count=replayed,
                seconds=t_replay,
                detail=f"{replayed} events, {shape['streams']} streams, table vacuumed",
            )
        )
        results.append(
            Result(
                "replay, first read after the writes",
                fresh / t_fresh,
                count=fresh,
                seconds=t_fresh,
                detail="PostgreSQL sets hint bits on this first read",
            )
        )
        for result in results[-2:]:
            print("  " + result.line(), flush=True)

        # --- relay and consumer
        if ctx.kafka_bootstrap:
            from events.bus import KafkaPublisher
            from events.relay import OutboxRelay
            from events.topics import topic_for

            topic = topic_for("bench")
            await _create_topic(ctx.kafka_bootstrap, topic)
            publisher = KafkaPublisher(ctx.kafka_bootstrap, client_id="guichet-bench-relay")
            await publisher.start()
            try:
                relay = OutboxRelay(store, publisher, name="bench", batch_size=1000)
                print(f"  relay: publishing {replayed} events to Kafka ...", flush=True)
                began = time.perf_counter()
                published = await relay.publish_pending()
                t_relay = time.perf_counter() - began
            finally:
                await publisher.stop()
            results.append(
                Result(
                    "relay (outbox -> Kafka)",
                    published / t_relay,
                    target=RELAY_TARGET,
                    count=published,
                    seconds=t_relay,
                    detail="batch 1000, acks=all, idempotent",
                )
            )
            print("  " + results[-1].line(), flush=True)

            wanted = min(n_consume, published)
            print(f"  consumer: {wanted} events from Kafka into a projection ...", flush=True)
            consumed, t_consume = await _consume(ctx, ctx.kafka_bootstrap, topic, wanted)
            results.append(
                Result(
                    "consumer (Kafka -> inbox + projection)",
                    consumed / t_consume,
                    count=consumed,
                    seconds=t_consume,
                    detail="1 transaction per poll",
                )
            )
            print("  " + results[-1].line(), flush=True)
        else:
            ctx.note("no Kafka: relay and consumer figures skipped")
    finally:
        await engine.dispose()
    return results
