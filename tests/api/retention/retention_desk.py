"""Retention API helpers on the embedded default (SQLite, in-process bus), with a clock the
tests move and no background job (tests run the purge themselves).
Imported by name (``from retention_desk import …``): a ``conftest`` import would find
another directory's when several test directories run in one session."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from events.envelope import Envelope
from events.service.app import create_service_app
from events.service.auth import issue_token
from events.service.runtime import ServiceRuntime
from events.service.settings import ServiceSettings
from retention.entrypoints.consumer import build_consumer
from retention.service import DEFINITION


def bearer(subject: str, *roles: str, level: int = 1) -> dict[str, str]:
    token = issue_token(subject, roles=roles, teams=("support",), level=level)
    return {"Authorization": f"Bearer {token}"}


DPO = bearer("dpo-1", "dpo")
AUDITOR = bearer("audit-1", "auditor")
AGENT = bearer("alice", "agent")
DIRECTOR = bearer("dora", "director", level=3)


@dataclass
class MovableClock:
    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


def start(data_dir: Path, clock: MovableClock, **extra: Any) -> TestClient:
    settings = ServiceSettings(service="retention", data_dir=data_dir, log_json=False)
    definition = replace(DEFINITION, extra={"clock": clock, "jobs": False, **extra})
    return TestClient(create_service_app(definition, settings))


def ready(client: TestClient) -> TestClient:
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def wait() -> None:
        async with asyncio.timeout(15):
            await runtime.ready.wait()

    assert client.portal is not None
    client.portal.call(wait)
    return client


def runtime_of(client: TestClient) -> ServiceRuntime:
    runtime: ServiceRuntime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def feed(client: TestClient, envelopes: list[Envelope]) -> None:
    """Hand ``envelopes`` (another service's, as published) to retention's consumer."""
    consumer = build_consumer(runtime_of(client))

    async def run() -> None:
        await consumer.process_many(envelopes)

    assert client.portal is not None
    client.portal.call(run)
