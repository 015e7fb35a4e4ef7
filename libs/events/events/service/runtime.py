"""A service's running parts: engine, event store, relay, consumers, health.

Start-up never crashes on an unreachable database or broker: a background task keeps
trying (migrations, publisher, consumers) and ``/readyz`` answers 503 with the reason
until everything is up.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from events.bus import InProcessBus, InProcessPublisher, KafkaPublisher
from events.checkpoints import load_relay_checkpoint
from events.consumer import Consumer
from events.db import create_engine, reading
from events.heap import freeze_startup_heap
from events.migrations import upgrade_platform
from events.pii.protector import EncryptedPayloads
from events.pii.setup import keyring_for
from events.pii.wrapping import MasterKeyRefused
from events.relay import OutboxRelay, Publisher
from events.runners import InProcessConsumerRunner, KafkaConsumerRunner, pause
from events.service.audit import add_witness_handlers, audit_topics, install_audit, run_audit
from events.service.db_roles import run_migrations
from events.service.settings import ServiceSettings, StartupRefused
from events.store import SqlEventStore
from events.topics import topic_for

log = structlog.get_logger(__name__)

ConsumerFactory = Callable[["ServiceRuntime"], Consumer]
Hook = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]
STOP_GRACE = 10.0
"""Seconds a stopping service gives its loops to finish what they are doing before cancelling
them: a loop cancelled inside a database call leaves its connection's cleanup to the driver."""


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes one service: its name, context, port, migrations, routers and consumers.

    Name, context and port are declared in ``services.toml``: a service passes
    ``**identity_of("<package>")`` (:mod:`events.service.declaration`)."""

    name: str
    context: str
    default_port: int
    title: str
    routers: tuple[Any, ...] = ()
    migrations: Path | None = None
    consumes: tuple[str, ...] = ()
    consumer_factory: ConsumerFactory | None = None
    on_ready: tuple[Hook, ...] = ()
    background: tuple[Hook, ...] = ()
    """Long-running jobs, started once the service is ready; each should return soon after
    an ``on_stop`` hook tells it to (what is still running after the grace is cancelled)."""
    on_stop: tuple[Hook, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def topic(self) -> str:
        return topic_for(self.context)


class ServiceRuntime:
    def __init__(
        self, definition: ServiceDefinition, settings: ServiceSettings, bus: InProcessBus | None
    ) -> None:
        self.definition = definition
        self.settings = settings
        self.engine: AsyncEngine = create_engine(
            settings.effective_database_url, pool_size=settings.db_pool_size
        )
        try:
            self.keyring = keyring_for(
                database_url=settings.effective_database_url,
                data_dir=Path(settings.data_dir),
                embedded=settings.embedded,
            )
        except MasterKeyRefused as error:
            raise StartupRefused(f"{definition.name} refused to start: {error}") from None
        self.store = SqlEventStore(
            self.engine, source=f"/guichet/{definition.name}", protector=EncryptedPayloads(self.keyring)
        )
        self.bus = bus if bus is not None else (None if settings.kafka_bootstrap else InProcessBus())
        self.publisher: Publisher = (
            KafkaPublisher(settings.kafka_bootstrap, client_id=f"{definition.name}-relay")
            if settings.kafka_bootstrap
            else InProcessPublisher(self.bus, home=definition.topic)  # type: ignore[arg-type]
        )
        self.relay = OutboxRelay(self.store, self.publisher, poll_interval=settings.relay_poll_interval)
        self.consumer: Consumer | None = None
        self.runner: KafkaConsumerRunner | InProcessConsumerRunner | None = None
        self.ready = asyncio.Event()
        self.startup_error: str | None = None
        self._unready_database: str | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._starting: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self.state: dict[str, Any] = {}
        install_audit(self)

    async def start(self) -> None:
        self._starting = asyncio.create_task(self._bring_up(), name=f"{self.definition.name}-up")
        self._tasks.append(self._starting)

    async def _bring_up(self) -> None:
        """Each step runs to its end; a stop is noticed between steps (never mid-call)."""
        delay = 0.5
        while not self._stopping.is_set():
            try:
                await run_migrations(self)
                if self.keyring.engine.url != self.engine.url:
                    await upgrade_platform(self.keyring.engine)
                await self.publisher.start()
                break
            except Exception as error:  # noqa: BLE001 - reported by /readyz, retried
                self.startup_error = f"{type(error).__name__}: {error}"
                log.warning(
                    "service.startup_retry",
                    service=self.definition.name,
                    error=self.startup_error,
                    retry_in=delay,
                )
                await pause(self._stopping, delay)
                delay = min(delay * 2, 10.0)
        if self._stopping.is_set():
            return
        if self.bus is not None:
            self.bus.register(self.definition.topic, self.store)
            async with reading(self.engine) as connection:
                published = await load_relay_checkpoint(connection, self.relay.name)
            await self.bus.advance(self.definition.topic, published)
        self._tasks.append(asyncio.create_task(self.relay.run(), name="relay"))
        self._tasks.append(asyncio.create_task(run_audit(self, self._stopping), name="audit"))
        if self.definition.consumer_factory and not await self._start_consumer():
            return
        for hook in self.definition.on_ready:
            if self._stopping.is_set():
                return
            await hook(self)
        for job in self.definition.background:
            self._tasks.append(asyncio.create_task(job(self), name=job.__name__))
        self.startup_error = None
        freeze_startup_heap()
        self.ready.set()
        log.info("service.ready", service=self.definition.name)

    async def _start_consumer(self) -> bool:
        """Start the consumer runner, retrying until it starts (True) or the service stops."""
        assert self.definition.consumer_factory is not None
        self.consumer = self.definition.consumer_factory(self)
        if self.consumer.opener is None:
            # Kafka carries personal fields sealed: opened with the key ring this store seals with.
            self.consumer.opener = self.store.protector
        add_witness_handlers(self)
        topics = [topic_for(context) for context in self.definition.consumes] + audit_topics(self)
        if self.settings.kafka_bootstrap:
            self.runner = KafkaConsumerRunner(
                self.consumer, bootstrap=self.settings.kafka_bootstrap, topics=topics
            )
        else:
            assert self.bus is not None
            self.runner = InProcessConsumerRunner(self.consumer, bus=self.bus, topics=topics)
        while not self._stopping.is_set():
            try:
                await self.runner.start()
                self._tasks.append(asyncio.create_task(self.runner.run(), name="consumer"))
                return True
            except Exception as error:  # noqa: BLE001
                self.startup_error = f"consumer: {error}"
                await pause(self._stopping, 1.0)
        return False

    def committed(self) -> None:
        """Call after a commit that appended events: wakes the relay at once."""
        self.relay.notify()

    async def check(self) -> dict[str, str]:
        """Readiness of each dependency: ``ok`` or a generic reason it is not. ``/readyz`` needs
        no token, so the errors themselves (hosts, users, driver messages) go to the log only,
        once each time they change."""
        checks: dict[str, str] = {}
        try:
            async with asyncio.timeout(2):
                async with reading(self.engine) as connection:
                    await connection.execute(text("SELECT 1"))
            checks["database"] = "ok"
            self._unready_database = None
        except Exception as error:  # noqa: BLE001
            checks["database"] = "unreachable"
            reason = f"{type(error).__name__}: {error}"
            if reason != self._unready_database:
                self._unready_database = reason
                log.warning("service.database_unreachable", service=self.definition.name, error=reason)
        if not self.ready.is_set():
            checks["startup"] = "retrying" if self.startup_error else "starting"
        else:
            checks["startup"] = "ok"
        if self.ready.is_set():
            checks["bus"] = "unreachable" if await self.relay.probe_publisher() else "ok"
        else:
            checks["bus"] = "not started"
        failing = getattr(self.runner, "failing", None)
        if failing:
            checks["consumer"] = "retrying"
        return checks

    async def stop(self) -> None:
        """Tell every loop to stop, let each finish its current batch, then cancel what is
        left. Bounded: a task that ignores cancellation is logged, never awaited forever."""
        self._stopping.set()
        if self._starting is not None:
            await finish([self._starting], STOP_GRACE)  # it starts no loop once stopping
        await self.relay.stop()
        if self.runner is not None:
            await self.runner.stop()
        for hook in self.definition.on_stop:
            await hook(self)
        await finish(self._tasks, STOP_GRACE)
        with contextlib.suppress(Exception):
            await self.publisher.stop()
        await self.engine.dispose()
        await self.keyring.engine.dispose()


async def finish(tasks: list[asyncio.Task[Any]], grace: float) -> None:
    """Wait up to ``grace`` seconds for ``tasks``, cancel the rest and wait ``grace`` again.

    ``asyncio.wait`` rather than ``wait_for``: on Python 3.11 ``wait_for`` waits without end
    for a task that keeps running after its cancellation."""
    pending = {task for task in tasks if not task.done()}
    if pending:
        _, pending = await asyncio.wait(pending, timeout=grace)
    for task in pending:
        task.cancel()
    if pending:
        _, pending = await asyncio.wait(pending, timeout=grace)
    for task in pending:
        log.error("service.task_did_not_stop", task=task.get_name())
