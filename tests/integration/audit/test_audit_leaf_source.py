"""The log's lean read path gives, on SQLite and PostgreSQL, the leaves of the stored envelopes:
same order as ``read_all``, same positions and ids, the same leaf hashes as
:func:`events.audit.leaf.event_leaf_hash`, whatever the event's type or timestamp looks like."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from events.audit.leaf import event_leaf_hash
from events.audit.leaf_source import leaf_pages
from events.catalogue import DomainEvent
from events.store import SqlEventStore


class PlainNoted(DomainEvent, type="test.LeafNoted"):
    text: str


class OddlyNamed(DomainEvent, type='test.Odd "quoted" \\ é\tnamed'):
    text: str


class SteppingClock:
    """Whole seconds first (isoformat then has no fraction), then microseconds."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, tzinfo=UTC)
        self.calls = 0

    def __call__(self) -> datetime:
        self.calls += 1
        step = timedelta(seconds=1) if self.calls % 2 else timedelta(microseconds=1234)
        self.now += step
        return self.now


async def test_leaf_pages_are_the_leaves_of_read_all(audited_store: SqlEventStore) -> None:
    store = SqlEventStore(audited_store.engine, source='/guichet/test "odd"', clock=SteppingClock())
    streams = [uuid4() for _ in range(3)]
    for n in range(40):
        stream = streams[n % 3]
        event: DomainEvent = OddlyNamed(text=f"{n}") if n % 5 == 0 else PlainNoted(text=f"{n}")
        await store.append(stream, "note", n // 3, [event])
    envelopes = await store.read_all(0, 1000)
    assert any(e.recorded_at and e.recorded_at.microsecond == 0 for e in envelopes)

    pages = [page async for page in leaf_pages(store, 0, 7)]
    assert [len(page) for page in pages] == [7, 7, 7, 7, 7, 5]
    positions = [p for page in pages for p in page.positions]
    ids = b"".join(page.event_ids for page in pages)
    hashes = b"".join(page.hashes for page in pages)
    assert positions == [e.position for e in envelopes]
    assert [UUID(bytes=ids[k : k + 16]) for k in range(0, len(ids), 16)] == [e.id for e in envelopes]
    assert [t for page in pages for t in page.types] == [e.type for e in envelopes]
    assert [hashes[k : k + 32] for k in range(0, len(hashes), 32)] == [event_leaf_hash(e) for e in envelopes]

    after = envelopes[25].position or 0
    resumed = [page async for page in leaf_pages(store, after, 100)]
    assert [p for page in resumed for p in page.positions] == [e.position for e in envelopes[26:]]
    assert [page async for page in leaf_pages(store, envelopes[-1].position or 0, 100)] == []
