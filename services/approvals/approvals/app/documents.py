"""A document submitted for validation by the documents service, as an approval: its kind
mapped to the rules' kinds, its total as the amount, its minimum level kept."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid5

from approvals.domain.approval import Submission
from events.catalogue.approvals import Money
from events.catalogue.documents import DocumentSubmittedForValidation

_APPROVALS_OF_DOCUMENTS = UUID("3b0f7d2e-8c1a-4f59-9d6e-2a7c5e4b1f08")

KIND_OF_DOCUMENT: dict[str, str] = {
    "quote": "contract",
    "order_confirmation": "contract",
    "amendment": "amendment",
    "response_letter": "standard_answer",
    "status_message": "standard_answer",
    "delay_notice": "standard_answer",
    "ticket_summary": "standard_answer",
    "intervention_report": "standard_answer",
}
"""A quote becomes a contract once signed, so it is validated as one; the other documents are
standard answers whose level their amounts and minimum level raise (a delay notice offering
compensation asks level 2). An unknown kind is passed as is: the rules refuse it."""


def approval_id_of(event: DocumentSubmittedForValidation) -> UUID:
    """One approval per document and content: a redelivered submission finds it."""
    return uuid5(_APPROVALS_OF_DOCUMENTS, f"{event.document_id}:{event.content_hash}")


def submission_of(event: DocumentSubmittedForValidation, actor: str | None) -> Submission:
    """The author is the event's actor (who submitted it; ``submitted_by`` without one). The
    request is the document's, or the document itself when it belongs to none."""
    amounts = (
        (Money(amount=Decimal(event.amount_incl_tax), currency=event.currency),)
        if event.amount_incl_tax is not None and event.currency is not None
        else ()
    )
    return Submission(
        request_id=event.request_id or event.document_id,
        content_hash=event.content_hash,
        kind=KIND_OF_DOCUMENT.get(event.kind, event.kind),
        author=actor or event.submitted_by,
        amounts=amounts,
        minimum_level=event.minimum_level,
    )
