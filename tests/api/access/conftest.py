"""Intake, the SLA clock, approvals, documents and retention on the embedded default, each started once
per module, and tokens for each role and level."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from approvals.service import DEFINITION as APPROVALS
from documents.service import DEFINITION as DOCUMENTS
from events.bus import InProcessBus
from events.service.app import create_service_app
from events.service.settings import ServiceSettings
from intake.service import DEFINITION as INTAKE
from retention.service import DEFINITION as RETENTION
from sla_clock.service import DEFINITION as SLA_CLOCK


def started(client: TestClient) -> TestClient:
    """The client once its service's runtime is ready (module-scoped: the API tier's
    function-scoped ``wait_ready`` cannot serve here)."""
    runtime = client.app.state.runtime  # type: ignore[attr-defined]

    async def ready() -> None:
        async with asyncio.timeout(15):
            await runtime.ready.wait()

    assert client.portal is not None
    client.portal.call(ready)
    assert client.get("/readyz").status_code == 200, client.get("/readyz").text
    return client


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("access")


@pytest.fixture(scope="module")
def intake(data_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="intake", data_dir=data_dir / "intake", log_json=False)
    with TestClient(create_service_app(replace(INTAKE), settings)) as client:
        yield started(client)


@pytest.fixture(scope="module")
def sla_clock(data_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="sla-clock", data_dir=data_dir / "sla", log_json=False)
    definition = replace(SLA_CLOCK, extra={"scheduler": False})
    with TestClient(create_service_app(definition, settings, InProcessBus())) as client:
        yield started(client)


@pytest.fixture(scope="module")
def documents(data_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="documents", data_dir=data_dir / "documents", log_json=False)
    with TestClient(create_service_app(replace(DOCUMENTS), settings, InProcessBus())) as client:
        yield started(client)


@pytest.fixture(scope="module")
def approvals(data_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="approvals", data_dir=data_dir / "approvals", log_json=False)
    with TestClient(create_service_app(replace(APPROVALS), settings, InProcessBus())) as client:
        yield started(client)


@pytest.fixture(scope="module")
def retention(data_dir: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(service="retention", data_dir=data_dir / "retention", log_json=False)
    definition = replace(RETENTION, extra={"jobs": False})
    with TestClient(create_service_app(definition, settings, InProcessBus())) as client:
        yield started(client)
