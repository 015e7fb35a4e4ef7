"""Documents API on the embedded default (SQLite, in-process bus), with a clock the test
controls, and approvals' decisions fed to the service's own consumer (``documents_desk``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from documents_desk import AGENT, Desk, FixedClock
from fastapi.testclient import TestClient

from documents.service import DEFINITION
from events.service.app import create_service_app
from events.service.settings import ServiceSettings


@pytest.fixture
def client(tmp_path: Any, wait_ready: Any) -> Iterator[TestClient]:
    settings = ServiceSettings(service="documents", data_dir=tmp_path, log_json=False)
    definition = replace(DEFINITION, extra={"clock": FixedClock()})
    with TestClient(create_service_app(definition, settings)) as client:
        wait_ready(client)
        yield client


@pytest.fixture
def desk(client: TestClient) -> Desk:
    return Desk(client)


__all__ = ["AGENT", "Desk"]  # imported by the mail tests from here
