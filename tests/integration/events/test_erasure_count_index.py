"""An erasure report counts a subject's sealed events through the index on the ``pii`` marker's
subject (platform migration 0004), not by reading the whole log, on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
import secrets
from collections.abc import AsyncIterator
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import DomainEvent
from events.db import create_engine
from events.migrations import upgrade_platform
from events.pii.erasure import count_sealed_events_in
from events.pii.keyring import Keyring
from events.pii.protector import EncryptedPayloads
from events.pii.wrapping import MasterKeyWrapper
from events.store import SqlEventStore
from events.testing.servers import make_database

_databases = itertools.count()


class PatronNoted(
    DomainEvent,
    type="test.PatronNoted",
    pii=("name", "note"),
    pii_categories={"note": "complaint"},
    subject_field="patron_id",
):
    patron_id: str
    name: str
    note: str | None = None


class Unmarked(DomainEvent, type="test.UnmarkedTick"):
    by: int


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Any) -> AsyncIterator[SqlEventStore]:
    if request.param == "sqlite":
        url, keys_url = f"sqlite:///{tmp_path / 'events.db'}", f"sqlite:///{tmp_path / 'keys.db'}"
    else:
        name = f"pii_count_{next(_databases)}_{tmp_path.name[-12:].lower()}"
        url = keys_url = await make_database(request.getfixturevalue("postgres_url"), name)
    engine = create_engine(url)
    await upgrade_platform(engine)
    keys_engine = engine if keys_url == url else create_engine(keys_url)
    if keys_engine is not engine:
        await upgrade_platform(keys_engine)
    keyring = Keyring(keys_engine, MasterKeyWrapper(secrets.token_bytes(32)))
    yield SqlEventStore(engine, source="/guichet/test", protector=EncryptedPayloads(keyring))
    await engine.dispose()
    await keys_engine.dispose()


def _keyring(store: SqlEventStore) -> Keyring:
    assert isinstance(store.protector, EncryptedPayloads)
    return store.protector.keyring


async def _plan(connection: AsyncConnection, statement: str, parameters: Any) -> str:
    """The plan of ``statement`` as sent, with the same parameters (a bound JSON path would
    not match the index's literal one)."""
    if connection.dialect.name == "postgresql":
        # A test-sized table is cheaper to scan: ask whether the index is usable at all, in the
        # generic plan a cached prepared statement ends up with (a custom plan folds a bound
        # JSON path into a constant and hides the mismatch).
        await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
        await connection.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
        await connection.exec_driver_sql(f"PREPARE counted AS {statement}")
        arguments = ", ".join(f"'{value}'" for value in parameters)
        rows = await connection.exec_driver_sql(f"EXPLAIN EXECUTE counted({arguments})")
    else:
        rows = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
    return "\n".join(str(row[-1]) for row in rows)


async def test_the_count_reads_the_subjects_events_through_the_marker_index(store: SqlEventStore):
    for patron in ("p-1", "p-2", "p-3"):
        stream = uuid4()
        await store.append(stream, "patron", 0, [PatronNoted(patron_id=patron, name=patron, note="n")])
        await store.append(stream, "patron", 1, [Unmarked(by=1), PatronNoted(patron_id=patron, name=patron)])
    keys = {record.category: record.key_id for record in await _keyring(store).keys_of("p-2")}

    sent: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if "FROM events" in statement:
            sent.append((statement, parameters))

    event.listen(store.engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with store.engine.begin() as connection:
            both = await count_sealed_events_in(connection, "p-2", keys.values())
            complaints = await count_sealed_events_in(connection, "p-2", [keys["complaint"]])
            elsewhere = await count_sealed_events_in(connection, "p-1", keys.values())
            [(statement, parameters), *_] = sent
            plan = await _plan(connection, statement, parameters)
    finally:
        event.remove(store.engine.sync_engine, "before_cursor_execute", capture)

    assert (both, complaints, elsewhere) == (2, 1, 0)
    assert "ix_events_pii_subject" in plan, plan
