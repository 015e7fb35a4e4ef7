"""Synchronous projections: the documents and templates rows, in the command's transaction."""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Insert, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from documents.adapters.erasure import blank_subject
from documents.adapters.tables import documents, templates
from documents.domain.document import Document
from documents.domain.template import Template
from events.persistence import Projectors


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def _document_upsert(module: object) -> Insert:
    """One statement, compiled once per dialect, rather than a new upsert per save."""
    statement = module.insert(documents)  # type: ignore[attr-defined]
    updates = {c.name: statement.excluded[c.name] for c in documents.c if c.name != "document_id"}
    upsert: Insert = statement.on_conflict_do_update(index_elements=["document_id"], set_=updates)
    return upsert


_UPSERT = {"postgresql": _document_upsert(postgresql), "sqlite": _document_upsert(sqlite)}


def document_row(document: Document, now: datetime) -> dict[str, Any]:
    return {
        "document_id": document.id,
        "version": document.version,
        "kind": document.kind.value,
        "status": document.status.value,
        "number": document.number,
        "customer_id": document.customer_id,
        "request_id": document.request_id,
        "profile": document.profile.value,
        "language": document.language.value,
        "channel": document.channel.value,
        "template_version": document.template_version,
        "content_hash": document.submitted_hash,
        "accepted": int(document.accepted),
        "drafted_at": utc(document.drafted_at),
        "issued_at": utc(document.issued_at),
        "updated_at": utc(now),
    }


async def project_document(
    connection: AsyncConnection, document: Document, created: bool, now: datetime
) -> dict[str, Any]:
    row = document_row(document, now)
    await connection.execute(_UPSERT[connection.dialect.name], row)
    return row


async def project_template(
    connection: AsyncConnection, template: Template, created: bool, now: datetime
) -> None:
    event = template.last_defined
    if event is not None:
        await connection.execute(
            insert(templates).values(
                kind=event.kind,
                language=event.language,
                profile=event.profile,
                version=event.version,
                source=event.source,
                defined_by=event.defined_by,
                defined_at=utc(event.defined_at),
            )
        )


PROJECTORS = Projectors()
PROJECTORS.register(Document, project_document)
PROJECTORS.register(Template, project_template)
PROJECTORS.on_subject_erased(blank_subject)
