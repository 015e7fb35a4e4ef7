"""PostgreSQL: read_all never skips an event whose transaction commits after a later position."""

from __future__ import annotations

from uuid import uuid4

from events.catalogue import DomainEvent
from events.store import SqlEventStore


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
        assert early.position < late.position
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
        assert await pg_store.read_all(first.position) == []
    labels = [e.data["label"] for e in await pg_store.read_all(first.position)]
    assert labels == ["slow", "fast"]
