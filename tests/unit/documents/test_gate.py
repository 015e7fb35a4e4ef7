"""The document aggregate: numbered at issue, transmitted only for the validated hash."""

from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from documents.domain.content_hash import content_hash
from documents.domain.document import Document, DraftContent
from documents.domain.errors import IllegalDocumentState, ValidationMissing
from documents.domain.kinds import DocumentKind, DocumentStatus, Language, Profile, SendingChannel

NOW = datetime(2026, 11, 29, 9, tzinfo=UTC)


def drafted() -> Document:
    draft = DraftContent({"summary": "s"}, ("a@b.fr",), SendingChannel.EMAIL)
    return Document.draft(
        uuid4(), DocumentKind.TICKET_SUMMARY, uuid4(), None, Profile.B2C, Language.FR, draft, 0, "al", NOW
    )


def test_a_draft_has_no_number_and_cannot_be_submitted() -> None:
    document = drafted()
    assert document.number is None
    with pytest.raises(IllegalDocumentState):
        document.submit("h", 1, None, "al", NOW)


def test_issue_numbers_once_in_the_kinds_series() -> None:
    document = drafted()
    document.issue(2026, 7, NOW)
    assert document.number == "SYN-2026-000007"
    with pytest.raises(IllegalDocumentState):
        document.issue(2026, 8, NOW)


def test_transmission_needs_a_validation_for_the_submitted_hash() -> None:
    document = drafted()
    document.issue(2026, 1, NOW)
    document.submit("h1", 1, None, "al", NOW)
    with pytest.raises(ValidationMissing, match="not validated"):
        document.transmit("h1", None, "al", NOW)
    with pytest.raises(ValidationMissing, match="changed since"):
        document.transmit("h2", uuid4(), "al", NOW)
    document.transmit("h1", uuid4(), "al", NOW)
    assert document.status is DocumentStatus.TRANSMITTED


def test_an_edit_after_submission_needs_a_new_submission() -> None:
    document = drafted()
    document.issue(2026, 1, NOW)
    document.submit("h1", 1, None, "al", NOW)
    document.edit(DraftContent({"summary": "t"}, ("a@b.fr",), SendingChannel.EMAIL), "al", NOW)
    assert document.status is DocumentStatus.ISSUED
    with pytest.raises(ValidationMissing, match="changed since"):
        document.transmit("h1", uuid4(), "al", NOW)


def test_the_content_hash_covers_body_attachments_recipients_and_channel() -> None:
    doc = UUID(int=1)
    base = content_hash(doc, b"<p>x</p>", ["a" * 64], ["Jean@Ex.fr"], "email")
    assert base == content_hash(doc, b"<p>x</p>", ["a" * 64], [" jean@ex.fr"], "email")
    assert base != content_hash(doc, b"<p>y</p>", ["a" * 64], ["jean@ex.fr"], "email")
    assert base != content_hash(doc, b"<p>x</p>", ["b" * 64], ["jean@ex.fr"], "email")
    assert base != content_hash(doc, b"<p>x</p>", ["a" * 64], ["paul@ex.fr"], "email")
    assert base != content_hash(doc, b"<p>x</p>", ["a" * 64], ["jean@ex.fr"], "letter")
    assert len(base) == 64
