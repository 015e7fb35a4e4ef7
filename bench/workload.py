"""The event both stores append: one comparable ~300-byte payload, in Guichet's catalogue shape."""

from __future__ import annotations

from uuid import UUID

from events.catalogue import DomainEvent

AUTHOR = "agent-042@support"
TEXT = (
    "Customer called back about the missing attachment; asked to resend the signed form "
    "before Friday. Escalation not needed, SLA clock unaffected. "
) * 2
STREAM_TYPE = "bench_ticket"


class TicketNoted(DomainEvent, type="bench.TicketNoted"):
    """A note on a ticket: the bench's only event type (topic ``guichet.bench``)."""

    ticket_id: UUID
    seq: int
    author: str
    text: str


def noted(ticket_id: UUID, seq: int) -> TicketNoted:
    return TicketNoted(ticket_id=ticket_id, seq=seq, author=AUTHOR, text=TEXT)
