"""Mandatory information for a request (docs/domain.md §1.3): a request missing some is accepted and
flagged, never refused, so `missing_request_fields` reports and never raises."""

from dataclasses import dataclass
from datetime import datetime

from events.vocabulary import Channel
from intake.domain.problems import FieldProblem, is_blank, missing

#: Always required, whatever the channel.
REQUIRED_FIELDS: tuple[str, ...] = ("channel", "subject", "description", "received_at")


@dataclass(frozen=True, slots=True)
class RequestDraft:
    """A request as captured by an agent or a form, before the aggregate exists.

    `contact` is who to answer when the customer is not (yet) known: an email address,
    a phone number or a postal address, as typed.
    """

    customer_id: str | None = None
    contact: str | None = None
    channel: Channel | None = None
    subject: str | None = None
    description: str | None = None
    received_at: datetime | None = None
    category: str | None = None


def missing_request_fields(
    draft: RequestDraft, required: tuple[str, ...] = REQUIRED_FIELDS
) -> list[FieldProblem]:
    """Every missing mandatory field, in a stable order (`field` names match `RequestDraft`
    attributes; `RequestReceived.missing_fields` records them)."""
    problems = [missing(name) for name in required if is_blank(getattr(draft, name))]
    # Someone must be answerable: a known customer or at least a way to reach the sender.
    if is_blank(draft.customer_id) and is_blank(draft.contact):
        problems.insert(0, missing("customer_id", "identify the customer or give a contact"))
        problems.insert(1, missing("contact", "identify the customer or give a contact"))
    return problems
