"""The outbox relay: publishes committed events, in the store's gap-safe order, then records progress.

The events table is the outbox: an event and "what must be published" are the same row,
written in the service's one transaction. The relay reads ``read_all`` after its
checkpoint, hands the batch to a :class:`Publisher` (Kafka, or the in-process bus) and
saves the checkpoint only once the publisher has confirmed. A crash between the two
republishes the batch: delivery is at-least-once, in order per stream, and consumers
deduplicate on the event id.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from typing import Protocol

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from events.checkpoints import load_relay_checkpoint, save_relay_checkpoint
from events.db import is_postgres, reading
from events.envelope import Envelope
from events.observability.metrics import RELAY_LAG, RELAY_PUBLISHED
from events.store import SqlEventStore

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Where the relay sends events. ``publish`` returns once every event is durably accepted."""

    async def start(self) -> None: ...

    async def publish(self, envelopes: list[Envelope]) -> None: ...

    async def stop(self) -> None: ...


class OutboxRelay:
    """One per service. On PostgreSQL, an advisory lock makes a single instance the leader."""

    def __init__(
        self,
        store: SqlEventStore,
        publisher: Publisher,
        *,
        name: str = "outbox",
        batch_size: int = 1000,
        poll_interval: float = 0.05,
        leadership_check: float = 1.0,
    ) -> None:
        self.store = store
        self.publisher = publisher
        self.name = name
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.leadership_check = leadership_check
        """Seconds between checks that the advisory lock's session is still alive: when its
        connection drops, PostgreSQL releases the lock and another instance may lead."""
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._lock_key = zlib.crc32(f"guichet-relay:{name}".encode())
        self._checkpoint: int | None = None
        """The saved checkpoint, kept in memory: the leader is its only writer."""

    def notify(self) -> None:
        """A hint that something was committed: publish now rather than at the next poll."""
        self._wake.set()

    async def publish_pending(self) -> int:
        """Publish everything committed after the checkpoint; returns how many were published.

        The next batch is read while the current one is being published and acknowledged.
        """
        published = 0
        if self._checkpoint is None:
            async with reading(self.store.engine) as connection:
                self._checkpoint = await load_relay_checkpoint(connection, self.name)
        async for batch in self.store.iter_all(self._checkpoint, self.batch_size):
            await self.publisher.publish(batch)
            async with self.store.engine.begin() as connection:
                await save_relay_checkpoint(connection, self.name, batch[-1].position or 0)
            self._checkpoint = batch[-1].position or 0
            published += len(batch)
            RELAY_PUBLISHED.labels(self.store.source).inc(len(batch))
            if batch[-1].recorded_at:
                lag = time.time() - batch[-1].recorded_at.timestamp()
                RELAY_LAG.labels(self.store.source).set(max(0.0, lag))
        return published

    async def run(self) -> None:
        """Publish until :meth:`stop`; survives publisher and database outages by retrying,
        and the loss of its leadership (the lock's connection gone) by standing down and
        competing for it again."""
        while not self._stopping.is_set():
            try:
                async with self._leadership() as lock:
                    await self._lead(lock)
            except Exception as error:  # noqa: BLE001 - lost or never had it: compete again
                log.warning("relay.leadership_lost", relay=self.name, error=repr(error))
                await self._sleep(1.0)

    async def _lead(self, lock: AsyncConnection | None) -> None:
        self._checkpoint = None  # read again: the previous leader may have moved it
        backoff = self.poll_interval
        next_check = time.monotonic() + self.leadership_check
        while not self._stopping.is_set():
            if lock is not None and time.monotonic() >= next_check:
                await lock.execute(text("SELECT 1"))  # raises once the lock's session is gone
                await lock.commit()
                next_check = time.monotonic() + self.leadership_check
            try:
                await self.publish_pending()
                backoff = self.poll_interval
            except Exception as error:  # noqa: BLE001 - any failure is retried, never fatal
                log.warning("relay.publish_failed", relay=self.name, error=repr(error))
                backoff = min(max(backoff * 2, 0.2), 5.0)
            await self._sleep(backoff)

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

    @contextlib.asynccontextmanager
    async def _leadership(self):  # type: ignore[no-untyped-def]
        if not is_postgres(self.store.engine):
            yield None
            return
        async with self.store.engine.connect() as connection:
            while not await self._try_lock(connection):
                if self._stopping.is_set():
                    yield None
                    return
                await self._sleep(1.0)
            try:
                yield connection
            finally:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:key)").bindparams(key=self._lock_key)
                )
                await connection.commit()

    async def _try_lock(self, connection: AsyncConnection) -> bool:
        result = await connection.execute(
            text("SELECT pg_try_advisory_lock(:key)").bindparams(key=self._lock_key)
        )
        await connection.commit()
        return bool(result.scalar())
