"""Fixtures of the approvals API tests (helpers in ``approvals_desk``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from approvals_desk import ready, start
from fastapi.testclient import TestClient


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "approvals"


@pytest.fixture
def api(data_dir: Path) -> Iterator[TestClient]:
    with start(data_dir) as client:
        yield ready(client)
