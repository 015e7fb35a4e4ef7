"""A migrated event store on SQLite and on a fresh PostgreSQL database."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from events.db import create_engine
from events.migrations import upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database

_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
async def audited_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SqlEventStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
    else:
        name = f"audit_{next(_databases)}_{tmp_path.name[-12:].lower()}"
        url = await make_database(request.getfixturevalue("postgres_url"), name)
    engine = create_engine(url)
    await upgrade_platform(engine)
    yield SqlEventStore(engine, source="/guichet/test")
    await engine.dispose()
