"""Ports of the documents use cases: repositories, numbering, validations, templates,
rendering, and the ``Transmitter`` each channel's sender implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

from documents.app.mail import MailOutbox
from documents.domain.document import Document
from documents.domain.kinds import DocumentKind, Language, Profile, SendingChannel
from documents.domain.organisation import Organisation
from documents.domain.relance import Relance
from documents.domain.template import Template
from events.application import ports
from events.application.ports import Clock

__all__ = [
    "Attachments",
    "Clock",
    "MailOutbox",
    "Numbering",
    "Outgoing",
    "RenderInput",
    "Renderer",
    "TemplateEngine",
    "TemplateSources",
    "Transmitter",
    "UnitOfWork",
    "Validations",
]


class Numbering(Protocol):
    async def next_sequence(self, series: str) -> int:
        """The next number of ``series`` (``DEV-2026``), taken in this transaction: a rolled-back
        transaction gives it back, so a series has no gaps; concurrent issuers of one series
        wait for each other's commit, so it has no duplicates."""
        ...


class Validations(Protocol):
    async def in_force(self, content_hash: str) -> UUID | None:
        """The approval whose validation of ``content_hash`` is in force (validated, neither
        withdrawn nor expired since), as approvals' events told this service; None if none."""
        ...


class TemplateSources(Protocol):
    async def latest_version(self, kind: DocumentKind, language: Language, profile: Profile) -> int:
        """0 when only the built-in wording exists."""
        ...

    async def source(self, kind: DocumentKind, language: Language, profile: Profile, version: int) -> str:
        """The wording at ``version`` (0: the built-in one)."""
        ...


class Attachments(Protocol):
    async def store(self, sha256: str, data: bytes) -> None: ...

    async def load(self, sha256: str) -> bytes: ...


class UnitOfWork(ports.UnitOfWork, Protocol):
    """One transaction: events, projections, the numbering counter and attachments."""

    documents: ports.Repository[Document]
    templates: ports.Repository[Template]
    numbering: Numbering
    validations: Validations
    template_sources: TemplateSources
    attachments: Attachments
    relances: ports.Repository[Relance]
    mail: MailOutbox
    """The email outbox and the requests' facts (``documents.app.mail``)."""


@dataclass(frozen=True)
class RenderInput:
    """Everything a rendering shows: the same input always gives the same bytes."""

    document: Document
    template_source: str
    organisation: Organisation


class TemplateEngine(Protocol):
    def check(self, kind: DocumentKind, language: Language, source: str) -> None:
        """Refuse (``TemplateRefused``) a wording that does not render for a sample of its kind,
        names a variable the kind does not give, or lets markup through."""
        ...


class Renderer(Protocol):
    def html(self, what: RenderInput) -> bytes:
        """The canonical rendering: what the content hash covers."""
        ...

    def pdf(self, what: RenderInput) -> bytes:
        """A print-ready PDF of the same content (PDF/A-3b), fonts embedded, no network."""
        ...


@dataclass(frozen=True)
class Outgoing:
    """A validated document handed to its channel's sender."""

    document_id: UUID
    request_id: UUID | None
    customer_id: UUID
    kind: DocumentKind
    number: str
    language: Language
    channel: SendingChannel
    recipients: tuple[str, ...]
    subject: str
    html: bytes
    pdf: bytes
    attachments: tuple[dict[str, Any], ...]
    """Name, media type, size and sha256 of each; their bytes through ``uow.attachments``."""
    content_hash: str


class Transmitter(Protocol):
    """The sender of one channel (email outbox, letter to print, phone summary).

    ``hand_over`` runs inside the transaction that records ``DocumentTransmitted``, and only
    after the validation gate passed for ``outgoing.content_hash``: what it writes through
    ``uow`` (an outbox row) commits with that event, or neither does. It must not deliver
    anything itself before that commit (an email outbox sends from its committed rows).
    Delivery is reported later with the ``RecordDocumentSent`` / ``RecordDeliveryFailed``
    commands (``DocumentSent``, ``DeliveryFailed``)."""

    async def hand_over(self, outgoing: Outgoing, uow: UnitOfWork) -> None: ...
