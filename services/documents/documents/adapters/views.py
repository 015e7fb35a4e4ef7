"""Read-side queries: document rows by id, by request, by customer; template versions."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from documents.adapters.tables import documents, templates
from documents.domain.kinds import DocumentKind, Language, Profile
from events.persistence import reading

PAGE = 200


def aware(row: Any) -> dict[str, Any]:
    """The row as a dict, its instants in UTC (SQLite keeps no offset; they are stored in UTC)."""
    return {
        name: value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        for name, value in row._mapping.items()
    }


class DocumentViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def document(self, document_id: UUID) -> dict[str, Any] | None:
        async with reading(self.engine) as connection:
            row = (
                await connection.execute(select(documents).where(documents.c.document_id == document_id))
            ).first()
        return aware(row) if row else None

    async def listed(
        self, *, request_id: UUID | None = None, customer_id: UUID | None = None
    ) -> list[dict[str, Any]]:
        query = select(documents).order_by(documents.c.drafted_at, documents.c.document_id).limit(PAGE)
        if request_id is not None:
            query = query.where(documents.c.request_id == request_id)
        if customer_id is not None:
            query = query.where(documents.c.customer_id == customer_id)
        async with reading(self.engine) as connection:
            return [aware(row) for row in await connection.execute(query)]

    async def template_versions(
        self, kind: DocumentKind, language: Language, profile: Profile
    ) -> list[dict[str, Any]]:
        query = (
            select(templates)
            .where(
                templates.c.kind == kind.value,
                templates.c.language == language.value,
                templates.c.profile == profile.value,
            )
            .order_by(templates.c.version)
        )
        async with reading(self.engine) as connection:
            return [aware(row) for row in await connection.execute(query)]
