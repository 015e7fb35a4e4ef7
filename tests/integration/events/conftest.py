"""Event-store fixtures: the same contract runs on SQLite (embedded) and real PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest

from events.db import create_engine
from events.migrations import upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database

_databases = itertools.count()


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path) -> AsyncIterator[SqlEventStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
    else:
        base = request.getfixturevalue("postgres_url")
        url = await make_database(base, f"store_{next(_databases)}_{tmp_path.name[-12:].lower()}")
    engine = create_engine(url, pool_size=20)
    await upgrade_platform(engine)
    try:
        yield SqlEventStore(engine, source="/guichet/test")
    finally:
        await engine.dispose()


@pytest.fixture
async def pg_store(postgres_url, tmp_path) -> AsyncIterator[SqlEventStore]:
    url = await make_database(postgres_url, f"pg_{next(_databases)}_{tmp_path.name[-12:].lower()}")
    engine = create_engine(url, pool_size=20)
    await upgrade_platform(engine)
    try:
        yield SqlEventStore(engine, source="/guichet/test")
    finally:
        await engine.dispose()
