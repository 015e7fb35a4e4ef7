"""Read side of the recorded authorisations: habilitations and substitutions of a person."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from approvals.adapters.authorisation_tables import habilitations, substitutions
from events.persistence import reading


def aware(row: Any) -> dict[str, Any]:
    """SQLite returns naive datetimes: they were stored in UTC."""
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in dict(row._mapping).items()
    }


class AuthorisationViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def habilitations(
        self, person: str | None, teams: Collection[str] | None, reader: str, limit: int = 500
    ) -> list[dict[str, Any]]:
        """Habilitations (of ``person``, or everyone's), oldest grant first (ids are time-sortable
        UUIDv7: two granted at the same instant keep the order they were granted in). ``teams`` None: the
        reader reads every one; otherwise only their own and those scoped to one of ``teams``."""
        query = select(habilitations).order_by(habilitations.c.granted_at, habilitations.c.habilitation_id)
        if person is not None:
            query = query.where(habilitations.c.person == person)
        async with reading(self.engine) as connection:
            rows = [aware(row) for row in await connection.execute(query)]
        if teams is not None:
            rows = [r for r in rows if r["person"] == reader or set(r["teams"]) & set(teams)]
        return rows[:limit]

    async def habilitation(self, habilitation_id: Any) -> dict[str, Any] | None:
        query = select(habilitations).where(habilitations.c.habilitation_id == habilitation_id)
        async with reading(self.engine) as connection:
            row = (await connection.execute(query)).first()
        return aware(row) if row else None

    async def substitutions(self, person: str | None, limit: int = 500) -> list[dict[str, Any]]:
        """Substitutions where ``person`` is absent or substitute (everyone's: None), oldest first."""
        query = select(substitutions).order_by(substitutions.c.valid_from, substitutions.c.substitution_id)
        if person is not None:
            query = query.where(or_(substitutions.c.absent == person, substitutions.c.substitute == person))
        async with reading(self.engine) as connection:
            return [aware(row) for row in await connection.execute(query.limit(limit))]
