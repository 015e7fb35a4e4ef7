"""Commands of the documents service: imperative, frozen, no behaviour."""

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from documents.domain.document import DraftContent
from documents.domain.kinds import DocumentKind, Language, Profile
from events.envelope import Metadata


@dataclass(frozen=True, kw_only=True)
class NewAttachment:
    name: str
    media_type: str
    data: bytes


@dataclass(frozen=True, kw_only=True)
class DraftDocument:
    metadata: Metadata
    document_id: UUID
    kind: DocumentKind
    customer_id: UUID
    request_id: UUID | None
    profile: Profile
    language: Language
    draft: DraftContent
    new_attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class EditDocument:
    metadata: Metadata
    document_id: UUID
    draft: DraftContent
    new_attachments: tuple[NewAttachment, ...] = ()


@dataclass(frozen=True, kw_only=True)
class IssueDocument:
    metadata: Metadata
    document_id: UUID


@dataclass(frozen=True, kw_only=True)
class SubmitDocument:
    metadata: Metadata
    document_id: UUID


@dataclass(frozen=True, kw_only=True)
class TransmitDocument:
    metadata: Metadata
    document_id: UUID


@dataclass(frozen=True, kw_only=True)
class RecordDocumentSent:
    """The channel delivered it: a letter posted, an email accepted by the mail server."""

    metadata: Metadata
    document_id: UUID


@dataclass(frozen=True, kw_only=True)
class RecordDeliveryFailed:
    metadata: Metadata
    document_id: UUID
    reason: str
    attempt: int
    final: bool


@dataclass(frozen=True, kw_only=True)
class AcceptQuote:
    metadata: Metadata
    document_id: UUID


@dataclass(frozen=True, kw_only=True)
class DefineTemplate:
    metadata: Metadata
    kind: DocumentKind
    language: Language
    profile: Profile
    source: str
    extra: dict[str, Any] = field(default_factory=dict)
