"""``events.persistence.reading_each``: reads of what is committed, each statement on its own
on PostgreSQL (no transaction held across them), ``reading`` (one snapshot) on SQLite."""

from __future__ import annotations

from uuid import uuid4

from sqlalchemy import text

from events.catalogue import DomainEvent
from events.persistence import reading, reading_each
from events.store import SqlEventStore


class Noted(DomainEvent, type="test.Noted"):
    text: str


COUNT = text("SELECT count(*) FROM events")


async def test_reading_each_reads_what_is_committed(store: SqlEventStore) -> None:
    await store.append(uuid4(), "note", 0, [Noted(text="hello")])
    async with reading_each(store.engine) as connection:
        assert (await connection.execute(COUNT)).scalar_one() == 1


async def test_on_postgresql_reading_each_holds_no_transaction_where_reading_holds_one(
    pg_store: SqlEventStore,
) -> None:
    async with reading_each(pg_store.engine) as connection:
        before = (await connection.execute(COUNT)).scalar_one()
        await pg_store.append(uuid4(), "note", 0, [Noted(text="hello")])
        assert (await connection.execute(COUNT)).scalar_one() == before + 1
    started = text("SELECT now()")  # the start of the statement's transaction
    async with reading_each(pg_store.engine) as connection:
        first = (await connection.execute(started)).scalar_one()
        assert (await connection.execute(started)).scalar_one() > first
    async with reading(pg_store.engine) as connection:
        first = (await connection.execute(started)).scalar_one()
        assert (await connection.execute(started)).scalar_one() == first
