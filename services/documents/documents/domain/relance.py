"""A relance sent to a customer (docs/domain.md §8): one stream per relance, one event.

A relance that is not recorded does not exist (§8.4): ``RelanceSent`` is recorded when the
channel accepted it (the mail server's acceptance), with its kind, number, channel, content
and the content's SHA-256."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.aggregate_base import Aggregate
from events.catalogue import documents as e


class Relance(Aggregate):
    stream_type = "relance"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.sent_at: datetime | None = None

    @classmethod
    def sent(
        cls,
        relance_id: UUID,
        request_id: UUID,
        kind: str,
        ordinal: int,
        channel: str,
        content: str,
        content_hash: str,
        at: datetime,
    ) -> Relance:
        relance = cls(relance_id)
        relance.record(
            e.RelanceSent(
                request_id=request_id,
                relance_id=relance_id,
                kind=kind,
                ordinal=ordinal,
                channel=channel,
                content=content,
                content_hash=content_hash,
                sent_at=at,
            )
        )
        return relance

    def when_RelanceSent(self, event: e.RelanceSent) -> None:
        self.sent_at = event.sent_at
