"""Publishers and message shapes: Kafka in production, an in-process bus for the embedded default.

Kafka records use CloudEvents binary mode: every context attribute is a ``ce_<name>``
header, the event data (JSON) is the record value, the key is the stream id, and the W3C
``traceparent``/``tracestate`` travel as plain headers too.
"""

from __future__ import annotations

import asyncio
import functools
from collections import defaultdict
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from events.envelope import Envelope
from events.store import SqlEventStore
from events.topics import topic_for

CE_PREFIX = "ce_"


def to_kafka_record(envelope: Envelope) -> tuple[bytes, bytes, list[tuple[str, bytes]]]:
    """(key, value, headers) of an envelope in CloudEvents binary mode."""
    headers = [(CE_PREFIX + name, value.encode()) for name, value in envelope.cloudevent_attributes().items()]
    headers.append(("content-type", b"application/json"))
    for name in ("traceparent", "tracestate"):
        value = getattr(envelope.metadata, name)
        if value:
            headers.append((name, value.encode()))
    return str(envelope.stream_id).encode(), orjson.dumps(envelope.stored_data), headers


def from_kafka_record(value: bytes | None, headers: Any) -> Envelope:
    """Parse a binary-mode record; raises ``ValueError`` for anything malformed."""
    attributes = {
        name[len(CE_PREFIX) :]: raw.decode("utf-8", "replace")
        for name, raw in (headers or ())
        if name.startswith(CE_PREFIX)
    }
    try:
        data = orjson.loads(value) if value is not None else None
    except orjson.JSONDecodeError as error:
        raise ValueError(f"record value is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise ValueError("record value is not a JSON object")
    return Envelope.from_cloudevent(attributes, data)


@functools.lru_cache(maxsize=65536)
def partition_of(key: bytes, partitions: int) -> int:
    """Kafka's default partition for a key (murmur2, as the Java client computes it).

    aiokafka computes murmur2 in Python for every record (~9 µs, a quarter of the relay's
    CPU per event); a stream's events share their key, so the result is remembered.
    """
    return (murmur2(key) & 0x7FFFFFFF) % partitions


class KafkaPublisher:
    """Idempotent producer with ``acks=all``: no duplicates from retries, order kept per key."""

    def __init__(self, bootstrap: str, *, client_id: str = "guichet-relay") -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
            max_batch_size=1024 * 1024,
            request_timeout_ms=30000,
        )

    async def start(self) -> None:
        await self._producer.start()

    async def stop(self) -> None:
        await self._producer.stop()

    async def probe(self) -> None:
        """Ask the cluster for its metadata: raises ``KafkaError`` when no broker answers.

        The producer itself only notices a dead broker when it sends something."""
        await self._producer.client.fetch_all_metadata()

    async def publish(self, envelopes: list[Envelope]) -> None:
        """Send every envelope and wait for all acknowledgements.

        Records are gathered into one batch per partition, in the relay's order, and each
        batch is queued once (``send_batch``): per record this costs the C batch builder,
        not ``send``'s per-record future and bookkeeping. A full batch is queued and a new
        one started, so order per partition (per stream) is kept.
        """
        producer = self._producer
        counts: dict[str, int] = {}
        open_batches: dict[tuple[str, int], Any] = {}
        acknowledgements = []
        for envelope in envelopes:
            topic = topic_for(envelope.context)
            if topic not in counts:
                counts[topic] = len(await producer.partitions_for(topic))
            key, value, headers = to_kafka_record(envelope)
            target = (topic, partition_of(key, counts[topic]))
            batch = open_batches.get(target)
            if batch is None:
                batch = open_batches[target] = producer.create_batch()
            if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                acknowledgements.append(await producer.send_batch(batch, topic, partition=target[1]))
                batch = open_batches[target] = producer.create_batch()
                if batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                    raise ValueError(f"event {envelope.id} does not fit in a Kafka batch")
        for (topic, partition), batch in open_batches.items():
            acknowledgements.append(await producer.send_batch(batch, topic, partition=partition))
        await asyncio.gather(*acknowledgements)


class InProcessBus:
    """The embedded default's bus: topics backed by their producer's store, in one process.

    A topic's messages are its producer's events up to the last one that producer's relay has
    published; subscribers read them in the store's order (``read_all``) and keep their own
    durable position, exactly as a Kafka consumer group would keep offsets. "Up to" follows
    that order, not position numbers: on PostgreSQL ``read_all`` walks ``(tx_id, position)``,
    where a later event can have a lower position.

    A topic every service writes to (``guichet.audit``: each log's checkpoints and
    cosignatures) has one *lane* per producer (:meth:`lanes`): that producer's events of the
    topic's context, read from its store. A subscriber keeps one position per lane, as a
    Kafka consumer keeps one offset per partition.
    """

    def __init__(self) -> None:
        self._stores: dict[str, SqlEventStore] = {}
        self._published: dict[str, int] = defaultdict(int)
        self._lanes: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
        """topic -> lane name -> (the producer's own topic, the topic's context)."""
        self._lane_of: dict[str, tuple[str, str]] = {}
        self._changed = asyncio.Condition()

    def register(self, topic: str, store: SqlEventStore) -> None:
        self._stores[topic] = store

    def topics(self) -> list[str]:
        return sorted(self._stores)

    def lanes(self, topic: str) -> list[str]:
        """What a subscriber of ``topic`` reads, each from its own position: the topic
        itself, then one lane per other service that published on it."""
        return [topic, *sorted(self._lanes.get(topic, ()))]

    async def advance(self, topic: str, position: int) -> None:
        """``position``: that of the last event published, in ``read_all`` order (the relay
        publishes in that order, so each call moves the topic forward)."""
        async with self._changed:
            self._published[topic] = position
            self._changed.notify_all()

    async def advance_lane(self, topic: str, context: str, producer: str, position: int) -> None:
        """The producer whose own topic is ``producer`` published its events of ``context``
        (those of ``topic``) up to ``position``, in its store's ``read_all`` order."""
        lane = lane_name(topic, producer)
        if lane not in self._lane_of:
            source = (producer, context)
            self._lanes[topic][lane] = source
            self._lane_of[lane] = source
        await self.advance(lane, position)

    async def read(self, topic: str, after: int, limit: int = 500) -> list[Envelope]:
        """Up to ``limit`` published events after the one at ``after``, in ``read_all`` order
        (``topic``: a topic or one of its :meth:`lanes`)."""
        lane = self._lane_of.get(topic)
        if lane is not None:
            return await self._read_lane(topic, lane, after, limit)
        store = self._stores.get(topic)
        last_published = self._published[topic]
        if store is None or not last_published or after == last_published:
            return []
        return _up_to(await store.read_all(after, limit), last_published)

    async def _read_lane(self, lane: str, source: tuple[str, str], after: int, limit: int) -> list[Envelope]:
        """The lane's context's events only: pages of the producer's store are read on until
        one holds some, or the published end is reached."""
        producer, context = source
        store = self._stores.get(producer)
        last_published = self._published[lane]
        while store is not None and last_published and after != last_published:
            page = await store.read_all(after, limit)
            if not page:
                return []
            published = _up_to(page, last_published)
            found = [envelope for envelope in published if envelope.context == context]
            if found or len(published) < len(page):
                return found
            after = page[-1].position or after
        return []

    async def wake(self) -> None:
        """Wake every reader waiting in :meth:`wait_for_more` (a runner that is stopping)."""
        async with self._changed:
            self._changed.notify_all()

    async def wait_for_more(self, timeout: float) -> None:
        async with self._changed:
            try:
                await asyncio.wait_for(self._changed.wait(), timeout)
            except TimeoutError:
                pass


def lane_name(topic: str, producer: str) -> str:
    """The lane of ``topic`` fed by the service whose own topic is ``producer``."""
    return f"{topic}@{producer}"


def _up_to(batch: list[Envelope], last_published: int) -> list[Envelope]:
    for index, envelope in enumerate(batch):
        if envelope.position == last_published:
            return batch[: index + 1]
    return batch


class InProcessPublisher:
    """The relay's publisher in the embedded default: advances the bus's high-water marks.

    ``home``: the producing service's own topic. Its events of another topic (the audit
    log's) then advance that topic's lane for this producer (:meth:`InProcessBus.lanes`);
    without it every topic is advanced as if this producer were its only one."""

    def __init__(self, bus: InProcessBus, *, home: str | None = None) -> None:
        self.bus = bus
        self.home = home

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def probe(self) -> None:
        return None

    async def publish(self, envelopes: list[Envelope]) -> None:
        last: dict[str, tuple[str, int]] = {}
        for envelope in envelopes:
            last[topic_for(envelope.context)] = (envelope.context, envelope.position or 0)
        for topic, (context, position) in last.items():
            if self.home is None or topic == self.home:
                await self.bus.advance(topic, position)
            else:
                await self.bus.advance_lane(topic, context, self.home, position)
