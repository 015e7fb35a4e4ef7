"""An embedded sla-clock (SQLite + in-process bus) fed by a real intake event store, with a
clock the test moves. Not a test module: imported by the API tests of the SLA clock."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from events.bus import InProcessBus
from events.catalogue import DomainEvent
from events.checkpoints import load_consumer_checkpoint
from events.db import create_engine
from events.migrations import upgrade_platform
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.settings import ServiceSettings
from events.store import SqlEventStore
from sla_clock.app.scheduler import Scheduler
from sla_clock.bootstrap import sla_of
from sla_clock.domain.streams import request_stream
from sla_clock.service import DEFINITION

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
INTAKE_TOPIC = "guichet.intake"


class FakeClock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Harness:
    """``with Harness(tmp_path) as h:`` — ``h.send(stream, *events)``, ``h.fire()``, ``h.get()``."""

    def __init__(
        self, data_dir: Any, clock: FakeClock | None = None, scheduler: bool = False, **settings: Any
    ):
        self.clock = clock or FakeClock()
        self.bus = InProcessBus()
        definition = dataclasses.replace(
            DEFINITION, extra={"now": self.clock, "scheduler": scheduler, "refill_interval": 0.1}
        )
        service_settings = ServiceSettings(service="sla-clock", data_dir=data_dir, log_json=False, **settings)
        self.app = create_service_app(definition, service_settings, self.bus)
        # Reads need a token: the client sends a level-1 agent's unless a test sends another.
        self.client = TestClient(self.app, headers=bearer(1))
        self.intake_url = f"sqlite:///{data_dir / 'intake.db'}"
        self.versions: dict[UUID, int] = {}
        self.position = 0

    def __enter__(self) -> Harness:
        # Migrated before the app's loop starts: events.migrations' module-level lock binds to
        # the first loop that waits on it, so two loops must never contend for it.
        asyncio.run(self._migrate_intake())
        self.client.__enter__()
        self.runtime = self.app.state.runtime
        self.intake = self.call(self._intake_store)
        self.bus.register(INTAKE_TOPIC, self.intake)
        deadline = time.monotonic() + 15
        while self.client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, self.client.get("/readyz").json()
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.call(self.intake.engine.dispose)
        self.client.__exit__(*exc)

    async def _migrate_intake(self) -> None:
        engine = create_engine(self.intake_url)
        await upgrade_platform(engine)
        await engine.dispose()

    async def _intake_store(self) -> SqlEventStore:
        return SqlEventStore(create_engine(self.intake_url), source="/guichet/intake")

    def call(self, fn: Any, *args: Any) -> Any:
        portal = self.client.portal
        assert portal is not None, "the client runs only inside `with Harness(...)`"
        return portal.call(fn, *args)

    @property
    def scheduler(self) -> Scheduler:
        return sla_of(self.runtime).scheduler

    def send(self, stream: UUID, *events: DomainEvent) -> None:
        """Append to intake's store, publish on the bus, wait until sla-clock consumed them."""
        version = self.versions.get(stream, 0)
        envelopes = self.call(self.intake.append, stream, "request", version, list(events))
        self.versions[stream] = version + len(envelopes)
        self.position = envelopes[-1].position
        self.call(self.bus.advance, INTAKE_TOPIC, self.position)
        self.wait_consumed()

    def wait_consumed(self, timeout: float = 10) -> None:
        async def checkpoint() -> int:
            async with self.runtime.engine.connect() as connection:
                return await load_consumer_checkpoint(connection, "sla-clock", INTAKE_TOPIC)

        deadline = time.monotonic() + timeout
        while self.call(checkpoint) < self.position:
            assert time.monotonic() < deadline, "sla-clock did not consume the events"
            time.sleep(0.02)

    def fire(self) -> int:
        """Refill the scheduler's heap and fire everything due at the fake clock's time."""

        async def step() -> int:
            await self.scheduler.refill()
            total = 0
            while fired := await self.scheduler.fire_due():
                total += fired
            return total

        return self.call(step)

    def sla_events(self, request_id: UUID) -> list[tuple[str, dict[str, Any]]]:
        envelopes = self.call(self.runtime.store.read_stream, request_stream(request_id))
        return [(e.type.split(".", 1)[1], e.data) for e in envelopes]

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(path, params=params)
        assert response.status_code == 200, response.text
        return response.json()


def bearer(level: int, *roles: str) -> dict[str, str]:
    """A token of ``level`` holding ``roles`` (an agent's when none is named)."""
    token = issue_token("manon", roles=roles or ("agent",), level=level, team="support")
    return {"Authorization": f"Bearer {token}"}
