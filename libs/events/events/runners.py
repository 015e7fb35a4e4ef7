"""Transports feeding a :class:`~events.consumer.Consumer`: a Kafka consumer group, or the in-process bus.

Kafka: offsets are committed only after the batch's database transactions committed, so a
crash redelivers and the inbox absorbs the duplicates. A record that is not a valid
CloudEvent (or an event this code cannot decode) goes to ``<topic>.dlq`` with the error in
its headers, and consumption continues. A poll that fails for any other reason (the broker
or the database gone, offsets refused after a rebalance) is retried with backoff from the
last committed offsets: the runner never stops on its own, and ``failing`` tells /readyz.
Records carry personal fields sealed: the consumer opens a poll's in one call
(:attr:`Consumer.opener <events.consumer.Consumer.opener>`); dead letters keep the record as
received.
"""

from __future__ import annotations

import asyncio
import contextlib

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from events.bus import InProcessBus, from_kafka_record
from events.catalogue import REGISTRY
from events.checkpoints import load_consumer_checkpoint
from events.consumer import Checkpoint, Consumer, Outcome
from events.db import reading
from events.envelope import Envelope
from events.observability.metrics import DEAD_LETTERED
from events.topics import dead_letter_topic

log = structlog.get_logger(__name__)


async def pause(stopping: asyncio.Event, seconds: float) -> None:
    """Sleep ``seconds``, cut short when ``stopping`` is set."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stopping.wait(), seconds)


class KafkaConsumerRunner:
    RETRY_FIRST, RETRY_MAX = 0.5, 30.0
    """Seconds between retries of a failed poll: doubled each time up to the maximum."""

    def __init__(
        self,
        consumer: Consumer,
        *,
        bootstrap: str,
        topics: list[str],
        group_id: str | None = None,
        max_records: int = 500,
    ) -> None:
        self.consumer = consumer
        self.topics = topics
        self._kafka = AIOKafkaConsumer(
            *topics,
            bootstrap_servers=bootstrap,
            group_id=group_id or consumer.name,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            isolation_level="read_committed",
            max_poll_interval_ms=300000,
            metadata_max_age_ms=5000,
        )
        self._dlq = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
        self.max_records = max_records
        self._stopping = asyncio.Event()
        self.failing: str | None = None
        """The error of the last poll when it failed (cleared by the next one that succeeds)."""
        self.caught_up = asyncio.Event()
        """Set once every record already on the assigned partitions when they were first
        assigned has been handled and committed: the backlog left while this consumer was
        down. Whoever acts on the consumer's state (the SLA clock's timers) waits for it."""
        self._backlog_end: dict[TopicPartition, int] = {}

    async def start(self) -> None:
        await self._dlq.start()
        await self._kafka.start()

    async def stop(self) -> None:
        self._stopping.set()

    async def rewind(self) -> None:
        """Re-read every assigned partition from the beginning (after ``Consumer.reset``)."""
        partitions = self._kafka.assignment()
        if partitions:
            await self._kafka.seek_to_beginning(*partitions)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._kafka.stop()
        with contextlib.suppress(Exception):
            await self._dlq.stop()

    async def run(self) -> None:
        backoff = self.RETRY_FIRST
        try:
            while not self._stopping.is_set():
                try:
                    await self.poll()
                except Exception as error:  # noqa: BLE001 - retried; nothing was committed
                    self.failing = f"{type(error).__name__}: {error}"
                    log.warning(
                        "consumer.poll_failed",
                        consumer=self.consumer.name,
                        error=self.failing,
                        retry_in=backoff,
                    )
                    await pause(self._stopping, backoff)
                    backoff = min(backoff * 2, self.RETRY_MAX)
                    await self._rewind_to_committed()
                else:
                    self.failing, backoff = None, self.RETRY_FIRST
        finally:
            await self.close()

    async def poll(self) -> None:
        """One poll: handle what came, then commit its offsets."""
        batches = await self._kafka.getmany(timeout_ms=200, max_records=self.max_records)
        for records in batches.values():
            await self.handle_records(records)
        if batches:
            await self._kafka.commit()
        if not self.caught_up.is_set() and await self._backlog_consumed():
            self.caught_up.set()
            log.info("consumer.caught_up", consumer=self.consumer.name)

    async def _rewind_to_committed(self) -> None:
        """After a failed poll the fetch positions are past records whose offsets were not
        committed: go back to the committed offsets so they are read again (the inbox drops
        those whose effect did commit)."""
        for partition in self._kafka.assignment():
            try:
                committed = await self._kafka.committed(partition)
                if committed is None:
                    await self._kafka.seek_to_beginning(partition)
                else:
                    self._kafka.seek(partition, committed)
            except Exception as error:  # noqa: BLE001 - a rebalance resets positions anyway
                log.warning(
                    "consumer.rewind_failed",
                    consumer=self.consumer.name,
                    partition=str(partition),
                    error=repr(error),
                )

    async def _backlog_consumed(self) -> bool:
        assigned = self._kafka.assignment()
        if not assigned:
            return False
        new = [tp for tp in assigned if tp not in self._backlog_end]
        if new:
            self._backlog_end.update(await self._kafka.end_offsets(new))
        for tp in assigned:
            if await self._kafka.position(tp) < self._backlog_end[tp]:
                return False
        return True

    async def handle_record(self, record: ConsumerRecord) -> Outcome | None:
        [outcome] = await self.handle_records([record])
        return outcome

    async def handle_records(self, records: list[ConsumerRecord]) -> list[Outcome | None]:
        """One partition's records, in order, processed in one transaction. To the dead-letter
        topic: a record that is not a CloudEvent (its stream, when the key names one, is parked
        so later events wait behind it), an event type absent from the catalogue (not parked:
        no handler here can be waiting for it), and what the consumer parked."""
        decoded: list[tuple[ConsumerRecord, Envelope | None]] = []
        for record in records:
            try:
                received = from_kafka_record(record.value, record.headers)
            except ValueError as error:
                await self.dead_letter(record, str(error))
                await self.consumer.park_undecodable(record, str(error))
                decoded.append((record, None))
                continue
            if not REGISTRY.knows(received.type):
                await self.dead_letter(record, f"unknown event type {received.type!r}")
                decoded.append((record, None))
                continue
            decoded.append((record, received))
        envelopes = [envelope for _, envelope in decoded if envelope is not None]
        processed = iter(await self.consumer.process_many(envelopes) if envelopes else [])
        outcomes: list[Outcome | None] = []
        for record, envelope in decoded:
            outcome = next(processed) if envelope is not None else None
            if outcome is Outcome.PARKED:
                await self.dead_letter(record, "parked: see parked_events for the cause")
            outcomes.append(outcome)
        return outcomes

    async def dead_letter(self, record: ConsumerRecord, error: str) -> None:
        headers = list(record.headers or ()) + [
            ("dlq_error", error.encode()[:4000]),
            ("dlq_consumer", self.consumer.name.encode()),
            ("dlq_topic", record.topic.encode()),
            ("dlq_partition", str(record.partition).encode()),
            ("dlq_offset", str(record.offset).encode()),
        ]
        await self._dlq.send_and_wait(
            dead_letter_topic(record.topic), value=record.value, key=record.key, headers=headers
        )
        DEAD_LETTERED.labels(self.consumer.name).inc()
        log.error(
            "consumer.dead_lettered",
            consumer=self.consumer.name,
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=error,
        )


class InProcessConsumerRunner:
    """Reads the in-process bus's topics from this consumer's durable checkpoints."""

    def __init__(self, consumer: Consumer, *, bus: InProcessBus, topics: list[str]) -> None:
        self.consumer = consumer
        self.bus = bus
        self.topics = topics
        self._stopping = asyncio.Event()
        self.caught_up = asyncio.Event()
        """Set after the first drain: what was published before this runner started is handled."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._stopping.set()
        await self.bus.wake()

    async def drain(self) -> int:
        """Process everything published so far; returns how many events were seen."""
        seen = 0
        for topic in [lane for name in self.topics for lane in self.bus.lanes(name)]:
            async with reading(self.consumer.engine) as connection:
                position = await load_consumer_checkpoint(connection, self.consumer.name, topic)
            while not self._stopping.is_set():
                batch = await self.bus.read(topic, position)
                if not batch:
                    break
                position = batch[-1].position or position
                await self.consumer.process_many(batch, Checkpoint(topic, position))
                seen += len(batch)
        return seen

    async def run(self) -> None:
        while not self._stopping.is_set():
            try:
                drained = await self.drain()
                self.caught_up.set()
                if not drained and not self._stopping.is_set():
                    await self.bus.wait_for_more(0.5)
            except Exception as error:  # noqa: BLE001 - keep consuming; the error is logged
                log.warning("consumer.in_process_failed", consumer=self.consumer.name, error=repr(error))
                await asyncio.sleep(1.0)
