"""read_all never skips an event whose transaction commits after a later position (PostgreSQL),
and on SQLite readers do not queue behind the single writer."""

from __future__ import annotations

import asyncio
from uuid import uuid4

from events.catalogue import DomainEvent
from events.store import SqlEventStore
from events.testing import position_of


class Marked(DomainEvent, type="test.Marked"):
    label: str


async def test_a_reader_does_not_skip_an_event_committed_out_of_position_order(
    pg_store: SqlEventStore,
):
    slow_stream, fast_stream = uuid4(), uuid4()
    async with pg_store.transaction() as slow:
        # The slow transaction takes the lower position first...
        [early] = await slow.append(slow_stream, "s", 0, [Marked(label="slow")])
        # ...while another transaction takes a higher one and commits first.
        [late] = await pg_store.append(fast_stream, "s", 0, [Marked(label="fast")])
        assert position_of(early) < position_of(late)
        # A reader now must not hand out the fast event: it would move its checkpoint past
        # the slow one's position, and never see it.
        visible = await pg_store.read_all(0)
        assert [e.data["label"] for e in visible] == []
    after_commit = await pg_store.read_all(0)
    assert [e.data["label"] for e in after_commit] == ["slow", "fast"]


async def test_a_reader_resuming_from_a_checkpoint_sees_a_late_committer(pg_store: SqlEventStore):
    await pg_store.append(uuid4(), "s", 0, [Marked(label="first")])
    [first] = await pg_store.read_all(0)
    async with pg_store.transaction() as slow:
        await slow.append(uuid4(), "s", 0, [Marked(label="slow")])
        await pg_store.append(uuid4(), "s", 0, [Marked(label="fast")])
        assert await pg_store.read_all(position_of(first)) == []
    labels = [e.data["label"] for e in await pg_store.read_all(position_of(first))]
    assert labels == ["slow", "fast"]


async def test_a_writing_transaction_in_another_database_of_the_server_holds_nothing_back(
    pg_store: SqlEventStore, postgres_url: str, tmp_path
):
    """Only this database's transactions can write its events: a long bulk load or purge in
    another service's database (same server) must not stall this one's relay."""
    import asyncpg

    from events.testing.servers import make_database, to_asyncpg_dsn

    other = await asyncpg.connect(
        to_asyncpg_dsn(await make_database(postgres_url, f"other_{tmp_path.name[-12:].lower()}"))
    )
    try:
        async with other.transaction():
            await other.fetchval("SELECT pg_current_xact_id()")  # it now holds a transaction id
            await pg_store.append(uuid4(), "s", 0, [Marked(label="while the other writes")])
            labels = [e.data["label"] for e in await pg_store.read_all(0)]
            assert labels == ["while the other writes"]
            async with pg_store.transaction() as mine:  # ...while one of ours still does
                await mine.append(uuid4(), "s", 0, [Marked(label="mine, open")])
                await pg_store.append(uuid4(), "s", 0, [Marked(label="after mine")])
                labels = [e.data["label"] for e in await pg_store.read_all(0)]
                assert labels == ["while the other writes"]
    finally:
        await other.close()
    labels = [e.data["label"] for e in await pg_store.read_all(0)]
    assert labels == ["while the other writes", "mine, open", "after mine"]


async def test_sqlite_readers_see_the_committed_prefix_without_waiting_for_the_writer(tmp_path):
    from events.db import create_engine
    from events.migrations import upgrade_platform

    engine = create_engine(f"sqlite:///{tmp_path / 'events.db'}")
    await upgrade_platform(engine)
    store = SqlEventStore(engine, source="/guichet/test")
    try:
        await store.append(uuid4(), "s", 0, [Marked(label="first")])
        async with store.transaction() as writer:
            await writer.append(uuid4(), "s", 0, [Marked(label="pending")])
            # A reader taking the write lock would wait busy_timeout (10 s), then fail.
            visible = await asyncio.wait_for(store.read_all(0), 5)
            head = await asyncio.wait_for(store.head_position(), 5)
        assert [e.data["label"] for e in visible] == ["first"]
        assert head == visible[0].position
        labels = [e.data["label"] for e in await store.read_all(0)]
        assert labels == ["first", "pending"]
    finally:
        await engine.dispose()
