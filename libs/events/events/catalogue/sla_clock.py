"""Events of the SLA clock context (topic ``guichet.sla-clock``)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from events.catalogue import DomainEvent


class SlaWarning(DomainEvent, type="sla_clock.SlaWarning"):
    """80 % of a deadline has elapsed: inform the customer before it passes."""

    request_id: UUID
    kind: str
    due_at: datetime
    threshold_at: datetime
    emitted_at: datetime
    advice: str


class SlaBreached(DomainEvent, type="sla_clock.SlaBreached"):
    request_id: UUID
    kind: str
    due_at: datetime
    emitted_at: datetime
