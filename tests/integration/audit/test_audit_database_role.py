"""On PostgreSQL with ``GUICHET_MIGRATION_DATABASE_URL``: the owner migrates, the service's role
appends and reads events but can neither rewrite them nor switch the append-only triggers off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from events.catalogue.intake import RequestClosed
from events.db import create_engine
from events.service.db_roles import run_migrations
from events.service.settings import ServiceSettings
from events.store import SqlEventStore
from events.testing.servers import make_database


@dataclass
class _Definition:
    name: str = "roles-test"
    migrations: None = None


@dataclass
class _Runtime:
    settings: ServiceSettings
    definition: _Definition
    engine: object


async def test_the_service_role_only_inserts_and_selects_events(postgres_url: str) -> None:
    owner_url = await make_database(postgres_url, f"roles_{uuid4().hex[:8]}")
    role = f"svc_{uuid4().hex[:8]}"
    owner = create_engine(owner_url, pool_size=1)
    async with owner.begin() as connection:
        await connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD 'service-password'"))
    await owner.dispose()
    service_url = make_url(owner_url).set(username=role, password="service-password")
    service_text = service_url.render_as_string(hide_password=False)
    settings = ServiceSettings(
        database_url=service_text, migration_database_url=owner_url, jwt_secret="x" * 32
    )
    engine = create_engine(service_text, pool_size=2)
    try:
        await run_migrations(_Runtime(settings, _Definition(), engine))  # type: ignore[arg-type]
        store = SqlEventStore(engine, source="/guichet/roles-test")
        at = datetime(2026, 3, 2, tzinfo=UTC)
        [stored] = await store.append(
            uuid4(), "request", 0, [RequestClosed(request_id=uuid4(), reason="x", at=at)]
        )
        assert [e.id for e in await store.read_all(0, 10)] == [stored.id]
        for statement in (
            "UPDATE events SET data = '{}'",
            "DELETE FROM events",
            "TRUNCATE events",
            "ALTER TABLE events DISABLE TRIGGER USER",
            "DROP TRIGGER events_append_only ON events",
        ):
            with pytest.raises(DBAPIError, match="permission denied|must be owner"):
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
        async with engine.begin() as connection:  # the rest of the schema stays writable
            await connection.execute(text("DELETE FROM audit_tiles"))
    finally:
        await engine.dispose()
