"""Erasure of a data subject in approvals' read models: the decisions' reasons are blanked.

An approval's events are sealed under the approval's own subject (its stream), not the
customer's; its read model holds in clear the reasons given with each decision, free text
that may speak of the person. They are blanked when the subject is the approval itself or the
request it answers (a sender who is not a customer is their request's subject), in the
category its events declare for them. The people who asked and decided (staff) stay: they are
the approval's accountability, not the subject's data. Approvals rows name no customer, so
erasing a customer finds nothing here to blank (approvals still reports, with 0 rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.tables import approvals
from events.catalogue.approvals import ApprovalStepDecided
from events.persistence import erased_subject_id, erasure_reaches


async def blank_subject(connection: AsyncConnection, subject: str, categories: frozenset[str] | None) -> int:
    """The approval rows whose reasons were blanked."""
    category = ApprovalStepDecided.pii_categories["reason"]
    if not erasure_reaches(category, categories):
        return 0
    subject_id = erased_subject_id(subject)
    if subject_id is None:
        return 0
    rows = await connection.execute(
        select(approvals.c.approval_id, approvals.c.decisions).where(
            or_(approvals.c.approval_id == subject_id, approvals.c.request_id == subject_id)
        )
    )
    blanked = 0
    for approval_id, decisions in rows.all():
        if not any(decision.get("reason") is not None for decision in decisions):
            continue
        await connection.execute(
            update(approvals)
            .where(approvals.c.approval_id == approval_id)
            .values(decisions=[_without_reason(decision) for decision in decisions])
        )
        blanked += 1
    return blanked


def _without_reason(decision: dict[str, Any]) -> dict[str, Any]:
    return decision | {"reason": None}
