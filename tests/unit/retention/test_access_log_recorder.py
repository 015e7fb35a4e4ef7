"""The kit's access-log recorder: reads wait for their entry, entries are group-committed, and
a read whose entry cannot be stored is refused (503), never served silently."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from events.catalogue.retention import ArchiveAccessed
from events.service.access_log import STREAM_TYPE, AccessLogRecorder, AccessNotRecorded

AT = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


class FakeTransaction:
    def __init__(self, store: FakeStore) -> None:
        self.store = store

    async def append_streams(self, batches: Sequence[tuple[Any, str, int, Sequence[Any]]]) -> list[Any]:
        if self.store.failing:
            raise ConnectionError("database unreachable")
        await asyncio.sleep(0)
        self.store.batches.append(
            [(stream_type, version, list(events)) for _, stream_type, version, events in batches]
        )
        return []


class FakeStore:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, int, list[Any]]]] = []
        self.failing = False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[FakeTransaction]:
        yield FakeTransaction(self)


def entry(reader: str = "alice") -> ArchiveAccessed:
    return ArchiveAccessed(
        reader=reader,
        kind="customer",
        customer_id=uuid4(),
        resource="customer/x",
        context="intake GET",
        at=AT,
    )


async def test_concurrent_reads_share_commits_and_each_waits_for_its_entry() -> None:
    store = FakeStore()
    commits: list[int] = []
    recorder = AccessLogRecorder(store, max_batch=50, on_commit=lambda: commits.append(1))  # type: ignore[arg-type]
    await asyncio.gather(*(recorder.record(entry(f"reader-{n}")) for n in range(120)))
    stored = [events[0].reader for batch in store.batches for _, _, events in batch]
    assert sorted(stored) == sorted(f"reader-{n}" for n in range(120))
    assert all(
        stream_type == STREAM_TYPE and version == 0 for b in store.batches for stream_type, version, _ in b
    )
    assert max(len(b) for b in store.batches) == 50
    assert len(store.batches) < 120 and len(commits) == len(store.batches) == recorder.flushes


async def test_a_read_whose_entry_cannot_be_recorded_is_refused() -> None:
    store = FakeStore()
    store.failing = True
    recorder = AccessLogRecorder(store)  # type: ignore[arg-type]
    with pytest.raises(AccessNotRecorded) as refused:
        await recorder.record(entry())
    assert refused.value.status == 503
    assert store.batches == []
    store.failing = False
    await recorder.record(entry())
    assert len(store.batches) == 1
