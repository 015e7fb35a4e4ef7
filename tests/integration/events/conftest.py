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


async def _migrated_store(url: str) -> SqlEventStore:
    engine = create_engine(url, pool_size=20)
    await upgrade_platform(engine)
    return SqlEventStore(engine, source="/guichet/test")


async def _fresh_postgres_url(postgres_url: str, tmp_path) -> str:
    return await make_database(postgres_url, f"db_{next(_databases)}_{tmp_path.name[-12:].lower()}")


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request, tmp_path) -> AsyncIterator[SqlEventStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'events.db'}"
    else:
        url = await _fresh_postgres_url(request.getfixturevalue("postgres_url"), tmp_path)
    store = await _migrated_store(url)
    yield store
    await store.engine.dispose()


@pytest.fixture
async def pg_store(postgres_url, tmp_path) -> AsyncIterator[SqlEventStore]:
    store = await _migrated_store(await _fresh_postgres_url(postgres_url, tmp_path))
    yield store
    await store.engine.dispose()
