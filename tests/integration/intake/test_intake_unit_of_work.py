"""Intake's unit of work on the embedded SQLite store: a block persists only if it committed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.persistence import reading
from events.store import SqlEventStore
from events.vocabulary import Channel
from intake.adapters.tables import idempotency_keys, requests
from intake.adapters.unit_of_work import SqlUnitOfWork
from intake.app.ports import IdempotentCall
from intake.domain.missing_info import RequestDraft
from intake.domain.request import ServiceRequest
from intake.service import DEFINITION

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class FixedClock:
    def now(self) -> datetime:
        return NOW


@pytest.fixture
async def store(tmp_path) -> AsyncIterator[SqlEventStore]:
    engine = create_engine(f"sqlite:///{tmp_path / 'intake.db'}")
    await upgrade_platform(engine)
    assert DEFINITION.migrations is not None
    await upgrade(engine, DEFINITION.migrations, "alembic_version_intake")
    yield SqlEventStore(engine, source="/guichet/intake")
    await engine.dispose()


async def stored(store: SqlEventStore) -> tuple[int, int, int]:
    """(events, request rows, idempotency keys) in the database."""
    async with reading(store.engine) as connection:
        rows = (await connection.execute(select(func.count()).select_from(requests))).scalar_one()
        keys = (await connection.execute(select(func.count()).select_from(idempotency_keys))).scalar_one()
    return len(await store.read_all()), rows, keys


async def receive(uow: SqlUnitOfWork) -> ServiceRequest:
    request_id = uuid4()
    await uow.idempotency.claim("key-1", "alice", IdempotentCall("body-hash", request_id))
    draft = RequestDraft(channel=Channel.EMAIL, contact="a@b.fr", received_at=NOW)
    request = ServiceRequest.receive(request_id, await uow.requests.next_reference(2026), draft, NOW, "key-1")
    uow.requests.add(request)
    return request


async def test_a_handler_that_forgets_commit_persists_nothing_not_even_its_idempotency_claim(store):
    woken: list[bool] = []
    async with SqlUnitOfWork(store, FixedClock(), lambda: woken.append(True)) as uow:
        await receive(uow)
    assert await stored(store) == (0, 0, 0)
    assert woken == []


async def test_a_committed_reception_keeps_its_event_row_and_claim_then_wakes_the_relay(store):
    woken: list[bool] = []
    created: list[dict] = []
    async with SqlUnitOfWork(store, FixedClock(), lambda: woken.append(True), created.append) as uow:
        request = await receive(uow)
        await uow.commit(Metadata(actor="alice"))
    assert await stored(store) == (1, 1, 1)
    assert woken == [True] and [row["request_id"] for row in created] == [request.id]
