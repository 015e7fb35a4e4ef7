"""The ``approval_deadlines`` row of an approval: its open step, when the step opened, and the
due time its circuit or an escalation set, written in the command's transaction.

The row is a function of the approval alone (no rules): the deadline worker computes the due
and reminder times of a row that has none from its deadline rules, and keeps them while the
step stays the same (same number, level and circuit due time)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.authorisation_tables import approval_deadlines
from approvals.domain.approval import Approval

_ROW = select(approval_deadlines.c.step, approval_deadlines.c.level, approval_deadlines.c.due_at).where(
    approval_deadlines.c.approval_id == bindparam("approval_id")
)
_DELETE = delete(approval_deadlines).where(approval_deadlines.c.approval_id == bindparam("approval_id"))
_REPLACE = update(approval_deadlines).where(approval_deadlines.c.approval_id == bindparam("target_id"))


def opened_at(approval: Approval) -> datetime:
    """When the open step started: the request for the first, else the decision that closed
    the step before it."""
    step = approval.step.step
    closing = [d.decided_at for d in approval.decisions if d.step == step - 1]
    opened = max(closing) if closing else approval.requested_at
    assert opened is not None
    return opened.astimezone(UTC)


def _same_instant(stored: datetime | None, wanted: datetime | None) -> bool:
    if stored is None or wanted is None:
        return stored is wanted
    return stored.replace(tzinfo=stored.tzinfo or UTC) == wanted


def deadline_row(approval: Approval) -> dict[str, Any] | None:
    """The row of the approval's open step as it opens (no reminder computed, no escalation);
    None when no step is open."""
    step = approval.pending_step
    if step is None:
        return None
    return {
        "approval_id": approval.id,
        "request_id": approval.request_id,
        "step": step.step,
        "level": step.level,
        "approvers": list(step.approvers),
        "opened_at": opened_at(approval),
        "due_at": step.due_at.astimezone(UTC) if step.due_at is not None else None,
        "remind_at": None,
        "reminded": False,
        "escalations": 0,
    }


async def project_step_deadline(connection: AsyncConnection, approval: Approval) -> None:
    row = deadline_row(approval)
    if row is None:
        await connection.execute(_DELETE, {"approval_id": approval.id})
        return
    circuit_due = row["due_at"]
    current = (await connection.execute(_ROW, {"approval_id": approval.id})).first()
    if current is not None and (current.step, current.level) == (row["step"], row["level"]):
        if circuit_due is None or _same_instant(current.due_at, circuit_due):
            return
    if current is None:
        await connection.execute(insert(approval_deadlines), row)
    else:
        await connection.execute(_REPLACE, row | {"target_id": approval.id})
