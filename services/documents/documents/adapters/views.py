"""Read-side queries: document rows by id, by request, by customer; template versions."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncEngine

from documents.adapters.request_teams import in_scope
from documents.adapters.tables import documents, request_teams, templates
from documents.domain.kinds import DocumentKind, Language, Profile
from events.persistence import reading
from events.service.access import ReadScope

PAGE = 200


def aware(row: Any) -> dict[str, Any]:
    """The row as a dict, its instants in UTC (SQLite keeps no offset; they are stored in UTC)."""
    return {
        name: value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        for name, value in row._mapping.items()
    }


def _scoped(query: Select[Any], scope: ReadScope | None) -> Select[Any]:
    """``query`` on ``documents`` limited to what ``scope`` reads (None: everything)."""
    condition = in_scope(scope) if scope is not None else None
    if condition is None:
        return query
    joined = documents.outerjoin(request_teams, request_teams.c.request_id == documents.c.request_id)
    return query.select_from(joined).where(condition)


class DocumentViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def document(self, document_id: UUID, scope: ReadScope | None = None) -> dict[str, Any] | None:
        """The document's row; None if unknown or outside ``scope`` (need-to-know)."""
        query = _scoped(select(documents).where(documents.c.document_id == document_id), scope)
        async with reading(self.engine) as connection:
            row = (await connection.execute(query)).first()
        return aware(row) if row else None

    async def listed(
        self,
        *,
        request_id: UUID | None = None,
        customer_id: UUID | None = None,
        scope: ReadScope | None = None,
    ) -> list[dict[str, Any]]:
        """Documents of the request or customer, oldest first; only those ``scope`` reads."""
        query = select(documents).order_by(documents.c.drafted_at, documents.c.document_id).limit(PAGE)
        if request_id is not None:
            query = query.where(documents.c.request_id == request_id)
        if customer_id is not None:
            query = query.where(documents.c.customer_id == customer_id)
        async with reading(self.engine) as connection:
            return [aware(row) for row in await connection.execute(_scoped(query, scope))]

    async def document_streams(
        self, *, request_id: UUID | None = None, customer_id: UUID | None = None
    ) -> list[tuple[UUID, UUID]]:
        """Every document of the request or customer (no page), oldest first: its id, which is
        its stream's, and its customer."""
        c = documents.c
        query = select(c.document_id, c.customer_id).order_by(c.drafted_at, c.document_id)
        if request_id is not None:
            query = query.where(c.request_id == request_id)
        if customer_id is not None:
            query = query.where(c.customer_id == customer_id)
        async with reading(self.engine) as connection:
            return [(row.document_id, row.customer_id) for row in await connection.execute(query)]

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
