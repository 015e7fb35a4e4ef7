"""Read side: queries over the projections (no command goes through here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, exists, select, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from approvals.adapters.projection import ANYONE_OF_THE_LEVEL, rules_document
from approvals.adapters.tables import (
    approval_deciders,
    approval_inbox,
    approval_rules,
    approvals,
    validated_contents,
)
from approvals.domain.levels import DEFAULT_RULES
from events.persistence import reading


def aware(row: Any) -> dict[str, Any]:
    """SQLite returns naive datetimes: they were stored in UTC."""
    return {
        k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
        for k, v in dict(row._mapping).items()
    }


_APPROVAL = select(approvals).where(approvals.c.approval_id == bindparam("approval_id"))
_VALIDATED = (
    select(validated_contents)
    .where(
        validated_contents.c.request_id == bindparam("request_id"),
        validated_contents.c.content_hash == bindparam("content_hash"),
    )
    .order_by(validated_contents.c.validated_at.desc())
    .limit(1)
)
_LATEST = (
    select(approvals.c.approval_id, approvals.c.status, approvals.c.level, approvals.c.rules_version)
    .where(
        approvals.c.request_id == bindparam("request_id"),
        approvals.c.content_hash == bindparam("content_hash"),
    )
    .order_by(approvals.c.requested_at.desc())
    .limit(1)
)
_CURRENT_RULES = select(approval_rules).order_by(approval_rules.c.rules_version.desc()).limit(1)


class ApprovalViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def approval(self, approval_id: UUID) -> dict[str, Any] | None:
        async with reading(self.engine) as connection:
            row = (await connection.execute(_APPROVAL, {"approval_id": approval_id})).first()
        return aware(row) if row else None

    async def validation(
        self, request_id: UUID, content_hash: str
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """The validation in force of this content for this request, if any, and otherwise
        the latest approval of it (None: never submitted)."""
        parameters = {"request_id": request_id, "content_hash": content_hash}
        async with reading(self.engine) as connection:
            validated = (await connection.execute(_VALIDATED, parameters)).first()
            if validated is not None:
                return aware(validated), None
            latest = (await connection.execute(_LATEST, parameters)).first()
        return None, aware(latest) if latest else None

    async def inbox(self, persons: Sequence[str], level: int, limit: int) -> list[dict[str, Any]]:
        """What waits for ``persons`` (the caller, and those they substitute), oldest first:
        steps naming them, and steps anyone of ``level`` or below may take, except their
        own contents and approvals they already approved.

        One branch per approver (each person, and ``""`` for anyone of the level), each an
        ordered walk of the ``(approver, requested_at, approval_id)`` index that stops after
        ``limit`` rows, merged: the cost follows ``limit``, not the number pending."""
        people = list(persons)
        already = exists().where(
            approval_deciders.c.approval_id == approval_inbox.c.approval_id,
            approval_deciders.c.person.in_(people),
        )
        branches = []
        for approver in [*dict.fromkeys(people), ANYONE_OF_THE_LEVEL]:
            condition = approval_inbox.c.approver == approver
            if approver == ANYONE_OF_THE_LEVEL:
                condition = and_(condition, approval_inbox.c.level <= level)
            branches.append(
                select(approval_inbox)
                .where(condition, approval_inbox.c.author.not_in(people), ~already)
                .order_by(approval_inbox.c.requested_at, approval_inbox.c.approval_id)
                .limit(limit)
                .subquery()
                .select()
            )
        merged = union_all(*branches).subquery()
        query = select(merged).order_by(merged.c.requested_at, merged.c.approval_id).limit(limit)
        async with reading(self.engine) as connection:
            rows = (await connection.execute(query)).all()
        return [aware(row) for row in rows]

    async def current_rules(self) -> dict[str, Any]:
        async with reading(self.engine) as connection:
            row = (await connection.execute(_CURRENT_RULES)).first()
        if row is None:
            return rules_document(DEFAULT_RULES) | {"defined_by": None, "defined_at": None, "reason": None}
        stored = aware(row)
        return stored["rules"] | {
            "defined_by": stored["defined_by"],
            "defined_at": stored["defined_at"],
            "reason": stored["reason"],
        }
