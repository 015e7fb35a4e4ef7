"""Rebuild of the read model from the event log: every read-model row is dropped, then each
approval stream is folded and projected again, and each rules version recorded again.
The answers of the read side (the check endpoint first) then come from the log alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from sqlalchemy import delete

from approvals.adapters.projection import project_approval_statements, project_rules
from approvals.adapters.tables import metadata
from approvals.domain.approval import Approval
from approvals.domain.rules_book import RulesBook
from events.envelope import Envelope
from events.store import SqlEventStore


async def rebuild_read_model(store: SqlEventStore, now: datetime) -> int:
    """Replay every approvals stream into an emptied read model; returns the approvals rebuilt."""
    streams: dict[UUID, list[Envelope]] = defaultdict(list)
    async for page in store.iter_all():
        for envelope in page:
            if envelope.stream_type in (Approval.stream_type, RulesBook.stream_type):
                streams[envelope.stream_id].append(envelope)
    rebuilt = 0
    async with store.engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))
        for stream_id, envelopes in streams.items():
            if envelopes[0].stream_type == RulesBook.stream_type:
                book = RulesBook(stream_id)
                for envelope in envelopes:
                    book.fold([envelope])
                    await project_rules(connection, book, False, now)
                continue
            approval = Approval.rebuild(stream_id, envelopes)
            await project_approval_statements(connection, approval, True, now)
            rebuilt += 1
    return rebuilt
