"""Read side: queries over the projections (no command goes through here)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import BindParameter, Integer, Select, bindparam, exists, select, tuple_, union_all
from sqlalchemy.ext.asyncio import AsyncEngine

from approvals.adapters.projection import ANYONE_OF_THE_LEVEL, rules_document
from approvals.adapters.tables import (
    approval_deciders,
    approval_inbox,
    approval_rules,
    approvals,
    validated_contents,
)
from approvals.domain.authority import DecisionRights, Reach
from approvals.domain.inbox import WaitingStep, may_take
from approvals.domain.levels import DEFAULT_RULES
from events.catalogue.approvals import Money
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
_LARGEST_PAGE = 1000


def _waiting(entry: dict[str, Any], amounts: tuple[Money, ...]) -> WaitingStep:
    approver = entry["approver"]
    return WaitingStep(
        approver if approver != ANYONE_OF_THE_LEVEL else None,
        entry["level"],
        entry["kind"],
        entry["team"],
        amounts,
        entry["author"],
    )


InboxShape = tuple[tuple[bool, bool], ...]
"""Per reach: whether it filters on teams, on kinds (a statement is built once per shape)."""


@lru_cache(maxsize=128)
def _inbox_statement(shape: InboxShape, paging: bool) -> Select[Any]:
    """The next ``page`` inbox rows the reaches let through (after the cursor ``after_*``, when
    ``paging``), with the approval's amounts. Reach ``i`` is bound as ``approver_i``,
    ``level_i``, ``teams_i``, ``kinds_i``."""
    inbox = approval_inbox.c
    already = exists().where(
        approval_deciders.c.approval_id == inbox.approval_id,
        approval_deciders.c.person.in_(bindparam("people", expanding=True)),
    )
    page: BindParameter[int] = bindparam("page", type_=Integer())
    branches = []
    for number, (by_team, by_kind) in enumerate(shape):
        conditions = [
            inbox.approver == bindparam(f"approver_{number}"),
            inbox.level <= bindparam(f"level_{number}"),
            inbox.author != bindparam("person"),
            ~already,
        ]
        if by_team:
            conditions.append(inbox.team.in_(bindparam(f"teams_{number}", expanding=True)))
        if by_kind:
            conditions.append(inbox.kind.in_(bindparam(f"kinds_{number}", expanding=True)))
        if paging:
            cursor = tuple_(inbox.requested_at, inbox.approval_id, inbox.approver)
            conditions.append(
                cursor
                > tuple_(
                    bindparam("after_requested_at", type_=inbox.requested_at.type),
                    bindparam("after_approval_id", type_=inbox.approval_id.type),
                    bindparam("after_approver", type_=inbox.approver.type),
                )
            )
        branches.append(
            select(approval_inbox)
            .where(*conditions)
            .order_by(inbox.requested_at, inbox.approval_id)
            .limit(page)
            .subquery()
            .select()
        )
    merged = union_all(*branches).subquery()
    return (
        select(merged, approvals.c.amounts)
        .join(approvals, approvals.c.approval_id == merged.c.approval_id)
        .order_by(merged.c.requested_at, merged.c.approval_id, merged.c.approver)
        .limit(page)
    )


def _inbox_page(
    reaches: Sequence[Reach], person: str, people: Sequence[str], after: tuple[Any, ...] | None, page: int
) -> tuple[Select[Any], dict[str, Any]]:
    """The statement and parameters of the next ``page`` rows after ``after`` (``requested_at,
    approval_id, approver``)."""
    parameters: dict[str, Any] = {"person": person, "people": list(people), "page": page}
    for number, reach in enumerate(reaches):
        parameters[f"approver_{number}"] = (
            reach.approver if reach.approver is not None else ANYONE_OF_THE_LEVEL
        )
        parameters[f"level_{number}"] = reach.level
        parameters[f"teams_{number}"] = sorted(reach.teams)
        parameters[f"kinds_{number}"] = sorted(reach.kinds)
    if after is not None:
        parameters |= dict(
            zip(("after_requested_at", "after_approval_id", "after_approver"), after, strict=True)
        )
    shape = tuple((bool(reach.teams), bool(reach.kinds)) for reach in reaches)
    return _inbox_statement(shape, after is not None), parameters


_CURRENT_RULES = select(approval_rules).order_by(approval_rules.c.rules_version.desc()).limit(1)


class ApprovalViews:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def approval(self, approval_id: UUID) -> dict[str, Any] | None:
        async with reading(self.engine) as connection:
            row = (await connection.execute(_APPROVAL, {"approval_id": approval_id})).first()
        return aware(row) if row else None

    async def approval_streams(self, request_id: UUID) -> list[UUID]:
        """The approvals of the request, oldest first: their ids, which are their streams'."""
        c = approvals.c
        query = (
            select(c.approval_id).where(c.request_id == request_id).order_by(c.requested_at, c.approval_id)
        )
        async with reading(self.engine) as connection:
            return [row.approval_id for row in await connection.execute(query)]

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

    async def inbox(self, rights: DecisionRights, limit: int) -> list[dict[str, Any]]:
        """What ``rights`` may decide now, oldest first, ``limit`` at most: the steps a decision
        would accept (``may_take``), never ones the caller (or those they stand in for) approved.

        The filters of ``rights.reaches()`` (approver, level, teams, kinds) go into SQL: one
        branch per reach, each an ordered walk of the ``(approver, requested_at, approval_id)``
        index that stops after a page, merged. What SQL cannot say (amount ceilings, whose right
        a step would use) is decided row by row by ``may_take``; when it turns rows away, the
        next page is read after the last row seen, so the cost follows the page, not the number
        pending."""
        people = list(rights.principals)
        reaches = rights.reaches()
        taken: dict[UUID, dict[str, Any]] = {}
        after: tuple[Any, ...] | None = None
        page = limit
        async with reading(self.engine) as connection:
            while True:
                query, parameters = _inbox_page(reaches, rights.person, people, after, page)
                rows = (await connection.execute(query, parameters)).all()
                for row in rows:
                    entry = aware(row)
                    amounts = tuple(Money(**money) for money in entry.pop("amounts"))
                    if entry["approval_id"] in taken or may_take(rights, _waiting(entry, amounts)) is None:
                        continue
                    taken[entry["approval_id"]] = entry
                    if len(taken) == limit:
                        return list(taken.values())
                if len(rows) < page:
                    return list(taken.values())
                last = rows[-1]
                after = (last.requested_at, last.approval_id, last.approver)
                page = min(page * 4, _LARGEST_PAGE)

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
