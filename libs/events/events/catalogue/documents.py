"""Events of the documents context (topic ``guichet.documents``).

A document's ``content`` is the JSON object of its kind (docs/domain.md §13): personal data,
protected per customer. ``content_hash`` is the SHA-256 (hex) of what would leave: rendered
body, attachments' hashes, recipients and channel (``documents.domain.content_hash``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from events.catalogue import DomainEvent
from events.catalogue.retention import ServiceDataErased


class RelanceSent(DomainEvent, type="documents.RelanceSent", pii=("content",), pii_category="complaint"):
    """A follow-up sent to a customer. A relance that is not recorded does not exist.
    ``sent_at`` is when the channel accepted it (the mail server, for an email);
    ``content_hash`` the SHA-256 (hex) of the message as sent (absent on older events)."""

    request_id: UUID
    relance_id: UUID
    kind: str
    ordinal: int
    channel: str
    content: str
    sent_at: datetime
    content_hash: str | None = None


class DocumentDrafted(
    DomainEvent,
    type="documents.DocumentDrafted",
    pii=("content", "recipients"),
    subject_field="customer_id",
):
    """A draft: no number yet (a number is given at issue, never to a draft)."""

    document_id: UUID
    kind: str
    customer_id: UUID
    request_id: UUID | None = None
    profile: str
    language: str
    channel: str
    recipients: list[str]
    content: dict[str, Any]
    attachments: list[dict[str, Any]] = []
    template_version: int
    drafted_by: str
    drafted_at: datetime


class DocumentEdited(
    DomainEvent,
    type="documents.DocumentEdited",
    pii=("content", "recipients"),
    subject_field="customer_id",
):
    """New content: any validation of the previous content no longer covers it."""

    document_id: UUID
    customer_id: UUID
    recipients: list[str]
    channel: str
    content: dict[str, Any]
    attachments: list[dict[str, Any]] = []
    edited_by: str
    edited_at: datetime


class DocumentIssued(DomainEvent, type="documents.DocumentIssued"):
    """The document got its number: the next of its series (kind and year), without gaps."""

    document_id: UUID
    kind: str
    number: str
    series: str
    sequence: int
    issued_at: datetime


class DocumentSubmittedForValidation(DomainEvent, type="documents.DocumentSubmittedForValidation"):
    """Handed to approvals: the validation asked covers this exact ``content_hash`` only."""

    document_id: UUID
    kind: str
    request_id: UUID | None = None
    customer_id: UUID
    content_hash: str
    minimum_level: int
    channel: str
    amount_incl_tax: str | None = None
    """Decimal text of the total incl. tax, for documents with lines."""
    currency: str | None = None
    submitted_by: str
    submitted_at: datetime


class QuoteAccepted(DomainEvent, type="documents.QuoteAccepted"):
    """The customer accepted (signed) the quote: it is a contract, changed by amendments only."""

    document_id: UUID
    accepted_at: datetime


class DocumentTransmitted(DomainEvent, type="documents.DocumentTransmitted"):
    """Handed to the channel's sender, with a validation in force for ``content_hash``."""

    document_id: UUID
    request_id: UUID | None = None
    content_hash: str
    channel: str
    approval_id: UUID | None = None
    transmitted_by: str
    transmitted_at: datetime


class DocumentSent(DomainEvent, type="documents.DocumentSent"):
    """Delivered to the channel (an email accepted by the mail server, a letter posted)."""

    document_id: UUID
    request_id: UUID | None = None
    content_hash: str
    channel: str
    sent_at: datetime


class DeliveryFailed(DomainEvent, type="documents.DeliveryFailed"):
    """An attempt failed; ``final`` when no retry will follow (a bounce, retries exhausted)."""

    document_id: UUID
    request_id: UUID | None = None
    channel: str
    reason: str
    attempt: int
    final: bool
    failed_at: datetime


class TemplateDefined(DomainEvent, type="documents.TemplateDefined"):
    """A new version of the wording of one kind, language and customer profile."""

    template_id: UUID
    kind: str
    language: str
    profile: str
    version: int
    source: str
    defined_by: str
    defined_at: datetime


class SubjectDataErased(ServiceDataErased, type="documents.SubjectDataErased"):
    """Documents blanked a data subject's contacts, request facts and emails after retention
    destroyed their keys."""
