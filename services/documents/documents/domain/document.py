"""The document aggregate: draft, edit, issue, submit, transmit, sent: each step an event.

A document is numbered at issue (never as a draft), submitted for validation with the hash
of its exact rendered content, and transmitted only with a validation in force for that
hash (the handler finds it; :meth:`Document.transmit` refuses without it). An edit after
submission leaves the document issued again: its new content needs a new validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from documents.domain.errors import IllegalDocumentState, ValidationMissing
from documents.domain.kinds import DocumentKind, DocumentStatus, Language, Profile, SendingChannel, number_of
from events.aggregate_base import Aggregate
from events.catalogue import documents as e


@dataclass(frozen=True)
class DraftContent:
    """What a draft or an edit says: content, recipients, channel, attachments' metadata."""

    content: dict[str, Any]
    recipients: tuple[str, ...]
    channel: SendingChannel
    attachments: tuple[dict[str, Any], ...] = ()


EDITABLE = (DocumentStatus.DRAFT, DocumentStatus.ISSUED, DocumentStatus.SUBMITTED)


class Document(Aggregate):
    stream_type = "document"

    def __init__(self, stream_id: UUID) -> None:
        super().__init__(stream_id)
        self.status = DocumentStatus.DRAFT
        self.number: str | None = None
        self.submitted_hash: str | None = None
        self.accepted = False

    @classmethod
    def draft(
        cls,
        document_id: UUID,
        kind: DocumentKind,
        customer_id: UUID,
        request_id: UUID | None,
        profile: Profile,
        language: Language,
        draft: DraftContent,
        template_version: int,
        by: str,
        now: datetime,
    ) -> Document:
        document = cls(document_id)
        document.record(
            e.DocumentDrafted(
                document_id=document_id,
                kind=kind,
                customer_id=customer_id,
                request_id=request_id,
                profile=profile,
                language=language,
                channel=draft.channel,
                recipients=list(draft.recipients),
                content=draft.content,
                attachments=list(draft.attachments),
                template_version=template_version,
                drafted_by=by,
                drafted_at=now,
            )
        )
        return document

    def edit(self, draft: DraftContent, by: str, now: datetime) -> None:
        if self.accepted:
            raise IllegalDocumentState("a contract (accepted quote): draft an amendment", "edit")
        self._require(EDITABLE, "edit")
        self.record(
            e.DocumentEdited(
                document_id=self.id,
                customer_id=self.customer_id,
                recipients=list(draft.recipients),
                channel=draft.channel,
                content=draft.content,
                attachments=list(draft.attachments),
                edited_by=by,
                edited_at=now,
            )
        )

    def issue(self, year: int, sequence: int, now: datetime) -> None:
        if self.number is not None:
            raise IllegalDocumentState(f"issued as {self.number}", "issue")
        self._require(EDITABLE, "issue")
        self.record(
            e.DocumentIssued(
                document_id=self.id,
                kind=self.kind,
                number=number_of(self.kind, year, sequence),
                series=f"{self.kind.series_prefix}-{year:04d}",
                sequence=sequence,
                issued_at=now,
            )
        )

    def submit(
        self, content_hash: str, minimum_level: int, amount: str | None, by: str, now: datetime
    ) -> None:
        if self.number is None:
            raise IllegalDocumentState("a draft (issue it first: it leaves numbered)", "submit")
        self._require((DocumentStatus.ISSUED, DocumentStatus.SUBMITTED), "submit")
        self.record(
            e.DocumentSubmittedForValidation(
                document_id=self.id,
                kind=self.kind,
                request_id=self.request_id,
                customer_id=self.customer_id,
                content_hash=content_hash,
                minimum_level=minimum_level,
                channel=self.channel,
                amount_incl_tax=amount,
                currency="EUR" if amount is not None else None,
                submitted_by=by,
                submitted_at=now,
            )
        )

    def transmit(self, content_hash: str, approval_id: UUID | None, by: str, now: datetime) -> None:
        """``approval_id``: the validation in force for ``content_hash``, None if there is none."""
        if self.status in (DocumentStatus.TRANSMITTED, DocumentStatus.SENT):
            raise IllegalDocumentState(self.status.value, "transmit")
        if self.submitted_hash is None:
            raise ValidationMissing(str(self.id), content_hash, "never submitted for validation")
        if self.status is not DocumentStatus.SUBMITTED or self.submitted_hash != content_hash:
            raise ValidationMissing(str(self.id), content_hash, "changed since it was submitted")
        if approval_id is None:
            raise ValidationMissing(str(self.id), content_hash, "not validated (or withdrawn, expired)")
        self.record(
            e.DocumentTransmitted(
                document_id=self.id,
                request_id=self.request_id,
                content_hash=content_hash,
                channel=self.channel,
                approval_id=approval_id,
                transmitted_by=by,
                transmitted_at=now,
            )
        )

    def mark_sent(self, now: datetime) -> None:
        self._require((DocumentStatus.TRANSMITTED, DocumentStatus.FAILED), "mark as sent")
        assert self.submitted_hash is not None
        self.record(
            e.DocumentSent(
                document_id=self.id,
                request_id=self.request_id,
                content_hash=self.submitted_hash,
                channel=self.channel,
                sent_at=now,
            )
        )

    def delivery_failed(self, reason: str, attempt: int, final: bool, now: datetime) -> None:
        self._require((DocumentStatus.TRANSMITTED, DocumentStatus.FAILED), "record a failed delivery of")
        self.record(
            e.DeliveryFailed(
                document_id=self.id,
                request_id=self.request_id,
                channel=self.channel,
                reason=reason,
                attempt=attempt,
                final=final,
                failed_at=now,
            )
        )

    def accept(self, now: datetime) -> None:
        if self.kind is not DocumentKind.QUOTE or self.accepted:
            raise IllegalDocumentState(f"{self.kind.value}{' accepted' if self.accepted else ''}", "accept")
        self._require((DocumentStatus.TRANSMITTED, DocumentStatus.SENT), "accept")
        self.record(e.QuoteAccepted(document_id=self.id, accepted_at=now))

    def _require(self, allowed: tuple[DocumentStatus, ...], action: str) -> None:
        if self.status not in allowed:
            raise IllegalDocumentState(self.status.value, action)

    def _take(
        self, content: dict[str, Any], recipients: list[str], channel: str, attachments: list[dict[str, Any]]
    ) -> None:
        self.content, self.recipients = content, tuple(recipients)
        self.channel, self.attachments = SendingChannel(channel), tuple(attachments)

    def when_DocumentDrafted(self, event: e.DocumentDrafted) -> None:
        self.kind, self.customer_id, self.request_id = (
            DocumentKind(event.kind),
            event.customer_id,
            event.request_id,
        )
        self.profile, self.language = Profile(event.profile), Language(event.language)
        self.template_version, self.drafted_at = event.template_version, event.drafted_at
        self.issued_at: datetime | None = None
        self._take(event.content, event.recipients, event.channel, event.attachments)

    def when_DocumentEdited(self, event: e.DocumentEdited) -> None:
        self._take(event.content, event.recipients, event.channel, event.attachments)
        self.status = DocumentStatus.DRAFT if self.number is None else DocumentStatus.ISSUED

    def when_DocumentIssued(self, event: e.DocumentIssued) -> None:
        self.number, self.issued_at, self.status = event.number, event.issued_at, DocumentStatus.ISSUED

    def when_DocumentSubmittedForValidation(self, event: e.DocumentSubmittedForValidation) -> None:
        self.submitted_hash, self.status = event.content_hash, DocumentStatus.SUBMITTED

    def when_DocumentTransmitted(self, event: e.DocumentTransmitted) -> None:
        self.status = DocumentStatus.TRANSMITTED

    def when_DocumentSent(self, event: e.DocumentSent) -> None:
        self.status = DocumentStatus.SENT

    def when_DeliveryFailed(self, event: e.DeliveryFailed) -> None:
        self.status = DocumentStatus.FAILED

    def when_QuoteAccepted(self, event: e.QuoteAccepted) -> None:
        self.accepted = True
