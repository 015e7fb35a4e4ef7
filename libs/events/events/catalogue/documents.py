"""Events of the documents context (topic ``guichet.documents``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.catalogue import DomainEvent


class RelanceSent(DomainEvent, type="documents.RelanceSent", pii=("content",)):
    """A follow-up sent to a customer. A relance that is not recorded does not exist."""

    request_id: UUID
    relance_id: UUID
    kind: str
    ordinal: int
    channel: str
    content: str
    sent_at: datetime
