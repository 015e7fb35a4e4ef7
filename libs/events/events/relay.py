"""The outbox relay: publishes committed events, in the store's gap-safe order, then records progress.

The events table is the outbox: an event and "what must be published" are the same row,
written in the service's one transaction. The relay reads ``read_all`` after its
checkpoint, hands the batch to a :class:`Publisher` (Kafka, or the in-process bus) and
saves the checkpoint only once the publisher has confirmed. A crash between the two
republishes the batch: delivery is at-least-once, in order per stream, and consumers
deduplicate on the event id.

The relay also keeps the publisher's health: a failed publish, or a failed probe of the
broker while there is nothing to publish, marks it unreachable with the reason (``/readyz``
reports it) until a publish or probe succeeds. ``guichet_relay_lag_seconds`` is the age of
the oldest committed event not yet published, refreshed on every pass of the loop, so it
keeps growing while the broker is away and falls back to 0 once the relay has caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import zlib
from collections.abc import Callable
from typing import Protocol

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from events.checkpoints import load_relay_checkpoint, save_relay_checkpoint
from events.db import is_postgres, reading
from events.envelope import Envelope
from events.observability.metrics import RELAY_LAG, RELAY_PUBLISHED, RELAY_PUBLISHER_UP
from events.store import SqlEventStore

log = structlog.get_logger(__name__)


class Publisher(Protocol):
    """Where the relay sends events. ``publish`` returns once every event is durably accepted."""

    async def start(self) -> None: ...

    async def publish(self, envelopes: list[Envelope]) -> None: ...

    async def stop(self) -> None: ...


class ProbedPublisher(Publisher, Protocol):
    """A publisher that can tell, without publishing, whether its broker answers."""

    async def probe(self) -> None:
        """Return once the broker has answered; raise with the reason when it cannot be reached."""


PROBE_TIMEOUT = 5.0


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
        probe_interval: float = 5.0,
        clock: Callable[[], float] = time.time,
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
        self.probe_interval = probe_interval
        """Seconds between probes of the broker while the relay has nothing to publish."""
        self.clock = clock
        self.publisher_failure: str | None = None
        """Why the last publish or probe failed; ``None`` once one succeeded. Logged when it
        changes; readiness says only ``unreachable`` (``/readyz`` needs no token)."""
        self._next_probe = 0.0

    def _publisher_answered(self) -> None:
        if self.publisher_failure is not None:
            log.info("relay.publisher_recovered", relay=self.name)
        self.publisher_failure = None
        RELAY_PUBLISHER_UP.labels(self.store.source).set(1)

    def _publisher_failed(self, error: BaseException) -> None:
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        failure = f"unreachable: {detail}"
        if failure != self.publisher_failure:
            log.warning("relay.publisher_unreachable", relay=self.name, error=detail)
        self.publisher_failure = failure
        RELAY_PUBLISHER_UP.labels(self.store.source).set(0)

    async def probe_publisher(self) -> str | None:
        """Ask the broker whether it answers (when the publisher can be probed); the reason it
        cannot be reached, or ``None``. The outcome is kept for readiness and the metric."""
        probe = getattr(self.publisher, "probe", None)
        if probe is None:
            return self.publisher_failure
        try:
            async with asyncio.timeout(PROBE_TIMEOUT):
                await probe()
        except Exception as error:  # noqa: BLE001 - the reason is reported, never raised
            self._publisher_failed(error)
        else:
            self._publisher_answered()
        return self.publisher_failure

    async def refresh_lag(self) -> float:
        """Set ``guichet_relay_lag_seconds`` to the age of the oldest event not yet published."""
        if self._checkpoint is None:
            async with reading(self.store.engine) as connection:
                self._checkpoint = await load_relay_checkpoint(connection, self.name)
        pending = await self.store.read_all(self._checkpoint, 1)
        recorded_at = pending[0].recorded_at if pending else None
        lag = max(0.0, self.clock() - recorded_at.timestamp()) if recorded_at else 0.0
        RELAY_LAG.labels(self.store.source).set(lag)
        return lag

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
            try:
                await self.publisher.publish(batch)
            except Exception as error:
                self._publisher_failed(error)
                raise
            async with self.store.engine.begin() as connection:
                await save_relay_checkpoint(connection, self.name, batch[-1].position or 0)
            self._checkpoint = batch[-1].position or 0
            published += len(batch)
            RELAY_PUBLISHED.labels(self.store.source).inc(len(batch))
            self._publisher_answered()
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
            backoff = await self.pass_once(backoff)
            await self._sleep(backoff)

    async def pass_once(self, backoff: float) -> float:
        """One pass of the leader's loop: publish what is pending (lag 0 once caught up), or
        measure the lag when publishing failed; probe the broker when idle. Returns the pause
        before the next pass."""
        try:
            published = await self.publish_pending()
        except Exception as error:  # noqa: BLE001 - any failure is retried, never fatal
            log.warning("relay.publish_failed", relay=self.name, error=repr(error))
            with contextlib.suppress(Exception):  # the database may be away too: next pass
                await self.refresh_lag()
            return min(max(backoff * 2, 0.2), 5.0)
        RELAY_LAG.labels(self.store.source).set(0.0)
        if not published and self.clock() >= self._next_probe:
            self._next_probe = self.clock() + self.probe_interval
            await self.probe_publisher()
        return self.poll_interval

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
