"""Fixtures of the retention API tests (helpers in ``retention_desk``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from retention_desk import MovableClock, ready, start


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(datetime(2026, 11, 29, 9, 0, tzinfo=UTC))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def api(data_dir: Path, clock: MovableClock) -> Iterator[TestClient]:
    with start(data_dir / "retention", clock) as client:
        yield ready(client)
