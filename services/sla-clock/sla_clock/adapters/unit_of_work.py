"""The SLA clock's transactions: the kit's unit of work with the facts, timers and SLA streams,
and the same repositories over the consumer's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import TracebackType
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import DomainEvent
from events.envelope import Metadata
from events.persistence import SqlUnitOfWork, stream_versions
from events.store import Transaction
from sla_clock.adapters.requests import SqlFacts
from sla_clock.adapters.subject_requests import SqlSubjectRequests
from sla_clock.adapters.timers import SqlTimers

SLA_STREAM_TYPE = "sla"


class SqlRecords:
    """``Records`` over a transaction the caller owns (the consumer's)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.facts = SqlFacts(connection)
        self.timers = SqlTimers(connection)
        self.subject_requests = SqlSubjectRequests(connection)


class SqlSlaStreams:
    """``SlaStreams``: appends to the requests' SLA streams in the transaction."""

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.appended = False

    async def append(self, events: Mapping[UUID, Sequence[DomainEvent]]) -> None:
        # One round trip for the versions, one insert: a burst of thousands of warnings due
        # in the same second is emitted within it.
        versions = await stream_versions(self.tx.connection, set(events))
        await self.tx.append_streams(
            [(stream, SLA_STREAM_TYPE, versions.get(stream, 0), batch) for stream, batch in events.items()]
        )
        self.appended = True


class SlaUnitOfWork(SqlUnitOfWork):
    """Facts, timers and SLA events commit together, only when ``commit()`` ran; a commit that
    appended events wakes the relay (``on_commit``)."""

    def open(self, tx: Transaction) -> None:
        self.facts = SqlFacts(tx.connection)
        self.timers = SqlTimers(tx.connection)
        self.subject_requests = SqlSubjectRequests(tx.connection)
        self.streams = SqlSlaStreams(tx)
        self._commit_appends = False

    async def commit(self, metadata: Metadata) -> None:
        await super().commit(metadata)
        self._commit_appends = self.streams.appended

    async def rollback(self) -> None:
        await super().rollback()
        self._commit_appends = False

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        await super().__aexit__(kind, error, tb)
        if error is None and self._commit_appends:
            self.committed()
