"""The event-store contract, run against SQLite (embedded default) and real PostgreSQL."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from events.catalogue import DomainEvent
from events.envelope import Metadata
from events.integrity import verify_chain
from events.store import ConcurrencyError, SqlEventStore
from events.testing import position_of


class CounterIncremented(DomainEvent, type="test.CounterIncremented"):
    by: int


def bumps(*values: int) -> list[CounterIncremented]:
    return [CounterIncremented(by=value) for value in values]


async def test_appended_events_are_read_back_in_version_order(store: SqlEventStore):
    stream = uuid4()
    stored = await store.append(stream, "counter", 0, bumps(1, 2, 3), Metadata(actor="alice"))
    assert [e.stream_version for e in stored] == [1, 2, 3]
    read = await store.read_stream(stream)
    assert [e.decode() for e in read] == bumps(1, 2, 3)
    assert [e.id for e in read] == [e.id for e in stored]
    assert read[0].metadata.actor == "alice"
    assert read[0].subject == f"counter/{stream}"
    assert all(e.position for e in read)


async def test_a_stale_expected_version_is_a_conflict(store: SqlEventStore):
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(1))
    with pytest.raises(ConcurrencyError) as raised:
        await store.append(stream, "counter", 0, bumps(2))
    assert raised.value.actual == 1
    assert len(await store.read_stream(stream)) == 1


async def test_an_expected_version_ahead_of_the_stream_is_a_conflict(store: SqlEventStore):
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(1))
    with pytest.raises(ConcurrencyError):
        await store.append(stream, "counter", 5, bumps(2))


async def test_concurrent_appends_to_one_stream_let_exactly_one_win(store: SqlEventStore):
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(0))
    results = await asyncio.gather(
        *(store.append(stream, "counter", 1, bumps(n)) for n in range(1, 9)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    assert len(winners) == 1
    assert all(isinstance(r, ConcurrencyError) for r in losers), losers
    assert [e.stream_version for e in await store.read_stream(stream)] == [1, 2]


async def test_read_all_returns_every_event_once_in_a_resumable_order(store: SqlEventStore):
    streams = [uuid4() for _ in range(5)]
    for round_ in range(3):
        for stream in streams:
            await store.append(stream, "counter", round_, bumps(round_))
    seen, after = [], 0
    while batch := await store.read_all(after, limit=4):
        seen.extend(batch)
        after = position_of(batch[-1])
    assert len(seen) == 15 and len({e.id for e in seen}) == 15
    for stream in streams:
        assert [e.stream_version for e in seen if e.stream_id == stream] == [1, 2, 3]


async def test_the_event_log_refuses_updates_and_deletes(store: SqlEventStore):
    await store.append(uuid4(), "counter", 0, bumps(1))
    for statement in ("UPDATE events SET type = 'forged'", "DELETE FROM events"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.engine.begin() as connection:
                await connection.execute(text(statement))
    assert len(await store.read_all(0)) == 1


async def test_postgresql_refuses_truncating_the_event_log(pg_store: SqlEventStore):
    await pg_store.append(uuid4(), "counter", 0, bumps(1))
    with pytest.raises(DBAPIError, match="append-only: TRUNCATE"):
        async with pg_store.engine.begin() as connection:
            await connection.execute(text("TRUNCATE events"))
    assert len(await pg_store.read_all(0)) == 1


async def test_each_stream_carries_a_verifiable_hash_chain(store: SqlEventStore):
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(1, 2))
    await store.append(stream, "counter", 2, bumps(3))
    events = await store.read_stream(stream)
    assert events[0].prev_hash is None and events[1].prev_hash == events[0].hash
    verify_chain(events)


async def test_writes_in_one_transaction_commit_or_vanish_together(store: SqlEventStore):
    stream = uuid4()
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.append(stream, "counter", 0, bumps(1))
            raise RuntimeError("the handler failed after appending")
    assert await store.read_stream(stream) == []


async def test_what_append_returns_is_exactly_what_is_read_back(store: SqlEventStore):
    stream = uuid4()
    stored = await store.append(stream, "counter", 0, bumps(1, 2, 3), Metadata(actor="alice"))
    stored += await store.append(stream, "counter", 3, bumps(4))
    read = await store.read_stream(stream)
    assert read == stored
    assert [e.model_dump(mode="json") for e in read] == [e.model_dump(mode="json") for e in stored]
    assert [position_of(e) for e in read] == sorted(position_of(e) for e in read)
    assert read[0].metadata == Metadata(actor="alice") and read[3].metadata == Metadata()


async def test_a_writer_that_missed_another_writers_event_is_refused_then_succeeds(
    store: SqlEventStore,
):
    """Two store instances (two service processes) on one database: what one of them last
    wrote is not the stream's tail any more once the other has appended."""
    other = SqlEventStore(store.engine, source="/guichet/other")
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(1))
    await other.append(stream, "counter", 1, bumps(2))
    with pytest.raises(ConcurrencyError):
        await store.append(stream, "counter", 1, bumps(3))
    await store.append(stream, "counter", 2, bumps(3))
    events = await store.read_stream(stream)
    assert [e.decode() for e in events] == bumps(1, 2, 3)
    verify_chain(events)


async def test_a_transaction_reads_then_appends_twice_and_the_chain_holds(store: SqlEventStore):
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(1))
    async with store.transaction() as tx:
        assert len(await tx.read_stream(stream)) == 1
        await tx.append(stream, "counter", 1, bumps(2))
        await tx.append(stream, "counter", 2, bumps(3, 4))
        with pytest.raises(ConcurrencyError):
            await tx.append(stream, "counter", 2, bumps(5))
    events = await store.read_stream(stream)
    assert [e.stream_version for e in events] == [1, 2, 3, 4]
    verify_chain(events)


async def test_iter_all_yields_what_read_all_pages_yield_and_can_stop_early(store: SqlEventStore):
    for round_ in range(7):
        await store.append(uuid4(), "counter", 0, bumps(round_, round_))
    paged, after = [], 0
    while batch := await store.read_all(after, limit=3):
        paged.append([e.id for e in batch])
        after = position_of(batch[-1])
    iterated = [[e.id for e in page] async for page in store.iter_all(0, page_size=3)]
    assert iterated == paged and sum(map(len, iterated)) == 14
    async for page in store.iter_all(after, page_size=3):
        raise AssertionError(f"nothing is after the last position, got {page}")
    async for page in store.iter_all(0, page_size=3):
        assert len(page) == 3
        break
    assert len(await store.read_all(0)) == 14, "an abandoned iteration leaves the store usable"


async def test_a_large_append_is_read_back_exactly_and_chains_on(store: SqlEventStore):
    """Large appends take another path on PostgreSQL (a binary COPY): same contract."""
    stream = uuid4()
    stored = await store.append(stream, "counter", 0, bumps(*range(1, 26)), Metadata(actor="bob"))
    stored += await store.append(stream, "counter", 25, bumps(26))
    stored += await store.append(stream, "counter", 26, bumps(*range(27, 57)))
    read = await store.read_stream(stream)
    assert [e.model_dump(mode="json") for e in read] == [e.model_dump(mode="json") for e in stored]
    assert [e.stream_version for e in read] == list(range(1, 57))
    assert [position_of(e) for e in read] == sorted({position_of(e) for e in read})
    assert read[0].metadata == Metadata(actor="bob") and read[30].metadata == Metadata()
    verify_chain(read)
    assert [e.id for e in await store.read_all(0)] == [e.id for e in read]


async def test_a_large_append_on_a_stale_tail_is_a_conflict_and_stores_nothing(
    store: SqlEventStore,
):
    other = SqlEventStore(store.engine, source="/guichet/other")
    stream = uuid4()
    await store.append(stream, "counter", 0, bumps(*range(20)))
    await other.append(stream, "counter", 20, bumps(*range(20)))
    with pytest.raises(ConcurrencyError) as raised:
        await store.append(stream, "counter", 20, bumps(*range(20)))
    assert raised.value.actual == 40
    await store.append(stream, "counter", 40, bumps(*range(20)))
    events = await store.read_stream(stream)
    assert [e.stream_version for e in events] == list(range(1, 61))
    verify_chain(events)


async def test_large_appends_in_a_transaction_commit_or_vanish_together(store: SqlEventStore):
    first, second = uuid4(), uuid4()
    with pytest.raises(RuntimeError):
        async with store.transaction() as tx:
            await tx.append_streams(
                [(first, "counter", 0, bumps(*range(15))), (second, "counter", 0, bumps(*range(15)))]
            )
            raise RuntimeError("the handler failed after appending")
    assert await store.read_all(0) == []
    async with store.transaction() as tx:
        written = await tx.append_streams(
            [(first, "counter", 0, bumps(*range(15))), (second, "counter", 0, bumps(*range(15)))]
        )
    assert await store.read_stream(first) == written[0]
    assert await store.read_stream(second) == written[1]


class ContactNoted(DomainEvent, type="test.ContactNoted", pii=("contact",), subject_field="customer_id"):
    customer_id: str | None = None
    contact: str


async def test_personal_data_is_marked_with_its_subject_or_with_the_stream_when_none_is_known(
    store: SqlEventStore,
):
    known, anonymous = uuid4(), uuid4()
    await store.append(known, "request", 0, [ContactNoted(customer_id="c-42", contact="a@b.fr")])
    await store.append(anonymous, "request", 0, [ContactNoted(contact="x@y.fr")])
    [of_customer] = await store.read_stream(known)
    [of_sender] = await store.read_stream(anonymous)
    assert of_customer.pii is not None and of_sender.pii is not None
    assert (of_customer.pii.subject, of_customer.pii.fields) == ("c-42", ("contact",))
    assert (of_sender.pii.subject, of_sender.pii.fields) == (str(anonymous), ("contact",))
