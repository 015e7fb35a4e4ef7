"""Numbering on PostgreSQL: parallel issuing, rolled-back issues and a restart leave a series
with no gap and no duplicate (a counter row per series, updated in the issuing transaction)."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime
from uuid import UUID, uuid4

from sqlalchemy import select

from documents.adapters.rendering import DocumentRenderer
from documents.adapters.tables import documents
from documents.adapters.templating import SandboxedTemplates
from documents.adapters.transmitters import ChannelTransmitters, default_transmitters
from documents.adapters.unit_of_work import SqlUnitOfWork
from documents.app import commands as c
from documents.app.bus import documents_bus
from documents.domain.document import DraftContent
from documents.domain.kinds import DocumentKind, Language, Profile, SendingChannel
from documents.domain.organisation import DEFAULT_ORGANISATION
from documents.service import DEFINITION
from events.application.bus import MessageBus
from events.db import create_engine
from events.envelope import Metadata
from events.migrations import upgrade, upgrade_platform
from events.store import SqlEventStore
from events.testing.servers import make_database

NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)
SUMMARY = {
    "summary": "Panne",
    "priority": "p2",
    "priority_reason": "impact moyen",
    "last_action": "diagnostic",
    "in_progress": "remplacement",
    "next_step": "test",
    "owner": "alice",
    "next_update_at": "2026-11-30T10:00:00+01:00",
}


class Clock:
    def now(self) -> datetime:
        return NOW


class Failing(Exception):
    pass


def bus_over(store: SqlEventStore) -> MessageBus:
    return documents_bus(
        lambda: SqlUnitOfWork(store, Clock(), lambda: None),
        Clock(),
        DEFAULT_ORGANISATION,
        DocumentRenderer(),
        SandboxedTemplates(),
        ChannelTransmitters(default_transmitters()),
    )


async def draft(bus: MessageBus) -> UUID:
    document = await bus.handle(
        c.DraftDocument(
            metadata=Metadata(actor="alice"),
            document_id=uuid4(),
            kind=DocumentKind.TICKET_SUMMARY,
            customer_id=uuid4(),
            request_id=None,
            profile=Profile.B2C,
            language=Language.FR,
            draft=DraftContent(SUMMARY, ("alice",), SendingChannel.PHONE),
        )
    )
    document_id: UUID = document.id
    return document_id


async def test_parallel_issuing_with_rollbacks_and_a_restart_leaves_no_gap_and_no_duplicate(postgres_url):
    url = await make_database(postgres_url, f"documents_numbers_{uuid4().hex[:12]}")
    engine = create_engine(url, pool_size=20)
    try:
        await upgrade_platform(engine)
        assert DEFINITION.migrations is not None
        await upgrade(engine, DEFINITION.migrations, "alembic_version_documents")
        store = SqlEventStore(engine, source="/guichet/documents")
        bus = bus_over(store)
        ids = [await draft(bus) for _ in range(120)]

        async def issue(document_id: UUID) -> None:
            await bus.handle(c.IssueDocument(metadata=Metadata(actor="alice"), document_id=document_id))

        async def abandoned() -> None:
            """Takes a number, then fails before committing: the number must come back."""
            try:
                async with SqlUnitOfWork(store, Clock(), lambda: None) as uow:
                    await uow.numbering.next_sequence("SYN-2026")
                    await asyncio.sleep(random.random() / 100)
                    raise Failing
            except Failing:
                pass

        work = [issue(i) for i in ids] + [abandoned() for _ in range(40)] + [issue(ids[0]) for _ in range(5)]
        random.Random(7).shuffle(work)
        semaphore = asyncio.Semaphore(16)

        async def limited(job: object) -> object:
            async with semaphore:
                try:
                    return await job  # type: ignore[misc]
                except Exception as error:  # noqa: BLE001 - the re-issues of ids[0] are refused
                    return error

        outcomes = await asyncio.gather(*(limited(job) for job in work))
        refused = [o for o in outcomes if isinstance(o, Exception)]
        assert len(refused) == 5  # ids[0] issued once; its five other issues refused

        await engine.dispose()  # a restart: a new engine and store continue the series
        engine = create_engine(url, pool_size=5)
        store = SqlEventStore(engine, source="/guichet/documents")
        bus = bus_over(store)
        late = await draft(bus)
        await issue(late)

        async with engine.connect() as connection:
            numbers = [row.number for row in await connection.execute(select(documents.c.number))]
        sequences = sorted(int(number.rsplit("-", 1)[1]) for number in numbers if number)
        assert sequences == list(range(1, 122))  # 121 issued: no gap, no duplicate
        assert all(number.startswith("SYN-2026-") for number in numbers if number)
    finally:
        await engine.dispose()
