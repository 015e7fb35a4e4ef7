"""Synchronous projections: the read-model rows of an approval (and of the rules), written in
the command's transaction, each a function of the aggregate's state after the command, so
the read model never lags the events and is rebuilt by folding the streams again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.ext.asyncio import AsyncConnection

from approvals.adapters.deadline_projection import deadline_row, project_step_deadline
from approvals.adapters.erasure import blank_subject
from approvals.adapters.postgres_projection import write_rows
from approvals.adapters.tables import (
    approval_deciders,
    approval_inbox,
    approval_rules,
    approvals,
    validated_contents,
)
from approvals.domain.approval import VALIDATED, WITHDRAWN, Approval
from approvals.domain.levels import ApprovalRules
from approvals.domain.rules_book import RulesBook
from events.catalogue.approvals import CurrencyThreshold, KindRule, StepRule
from events.persistence import Projectors, insert_if_absent

ANYONE_OF_THE_LEVEL = ""
"""The ``approver`` of an inbox row that anyone of the step's level may take."""


def utc(value: datetime | None) -> datetime | None:
    return value.astimezone(UTC) if value is not None else None


def approval_row(approval: Approval, now: datetime) -> dict[str, Any]:
    assert approval.requested_at is not None
    return {
        "approval_id": approval.id,
        "request_id": approval.request_id,
        "content_hash": approval.content_hash,
        "version": approval.version,
        "kind": approval.kind,
        "amounts": [{"amount": str(m.amount), "currency": m.currency} for m in approval.amounts],
        "level": approval.level,
        "rule": approval.rule,
        "rules_version": approval.rules_version,
        "author": approval.author,
        "team": approval.team,
        "criterion": approval.criterion,
        "status": approval.status,
        "current_step": approval.current_step if approval.pending_step else None,
        "steps": [step.model_dump(mode="json") for step in approval.steps],
        "decisions": [
            {
                "step": d.step,
                "decision": d.decision,
                "decided_by": d.decided_by,
                "on_behalf_of": d.on_behalf_of,
                "reason": d.reason,
                "decided_at": d.decided_at.isoformat(),
            }
            for d in approval.decisions
        ],
        "validated_by": list(approval.validated_by),
        "requested_at": utc(approval.requested_at),
        "updated_at": utc(now),
        "closed_at": utc(approval.closed_at),
    }


def inbox_rows(approval: Approval) -> list[dict[str, Any]]:
    """Who the pending step waits for: each named approver not yet heard (never the author,
    nor anyone who approved earlier in the sequence), or anyone of the step's level."""
    step = approval.pending_step
    if step is None:
        return []
    assert approval.requested_at is not None
    common = {
        "approval_id": approval.id,
        "step": step.step,
        "level": step.level,
        "request_id": approval.request_id,
        "kind": approval.kind,
        "author": approval.author,
        "team": approval.team,
        "requested_at": utc(approval.requested_at),
        "due_at": utc(step.due_at),
    }
    if not step.approvers:
        return [common | {"approver": ANYONE_OF_THE_LEVEL}]
    heard = approval.approvers_so_far() | {approval.author}
    return [common | {"approver": person} for person in step.approvers if person not in heard]


def validated_row(approval: Approval) -> dict[str, Any] | None:
    """The row of the content that may leave, once validated."""
    if approval.status != VALIDATED:
        return None
    approvals_ = [d for d in approval.decisions if d.decision == "approve"]
    return {
        "approval_id": approval.id,
        "request_id": approval.request_id,
        "content_hash": approval.content_hash,
        "kind": approval.kind,
        "level": approval.level,
        "rules_version": approval.rules_version,
        "author": approval.author,
        "validated_by": list(approval.validated_by),
        "on_behalf_of": [d.on_behalf_of for d in approvals_ if d.on_behalf_of],
        "validated_at": utc(approval.closed_at),
    }


_INSERT_APPROVAL = insert(approvals)
_UPDATE_APPROVAL = update(approvals).where(approvals.c.approval_id == bindparam("target_approval_id"))
_DELETE_INBOX = delete(approval_inbox).where(approval_inbox.c.approval_id == bindparam("approval_id"))
_DELETE_VALIDATED = delete(validated_contents).where(
    validated_contents.c.approval_id == bindparam("approval_id")
)


async def project_approval(
    connection: AsyncConnection, approval: Approval, created: bool, now: datetime
) -> dict[str, Any]:
    """The approval's rows after a command: one statement on PostgreSQL
    (:mod:`approvals.adapters.postgres_projection`), one per table otherwise."""
    if connection.dialect.name != "postgresql":
        return await project_approval_statements(connection, approval, created, now)
    row = approval_row(approval, now)
    inbox = inbox_rows(approval)
    deciders = [{"approval_id": approval.id, "person": p} for p in sorted(approval.approvers_so_far())]
    await write_rows(
        connection,
        created,
        row,
        inbox,
        deciders if inbox else [],
        validated_row(approval),
        approval.status == WITHDRAWN and not created,
        deadline_row(approval),
    )
    return row


async def project_approval_statements(
    connection: AsyncConnection, approval: Approval, created: bool, now: datetime
) -> dict[str, Any]:
    """The approval's rows, one statement per table, on any database; ``created`` with rows
    already there (a rebuild keeps the deadline rows and what the worker computed in them)."""
    row = approval_row(approval, now)
    if created:
        await connection.execute(_INSERT_APPROVAL, row)
    else:
        await connection.execute(_UPDATE_APPROVAL, row | {"target_approval_id": approval.id})
        await connection.execute(_DELETE_INBOX, {"approval_id": approval.id})
    inbox = inbox_rows(approval)
    if inbox:
        await connection.execute(insert(approval_inbox), inbox)
    if inbox:
        for person in approval.approvers_so_far():
            await insert_if_absent(
                connection, approval_deciders, {"approval_id": approval.id, "person": person}
            )
    await _project_validation(connection, approval, created)
    await project_step_deadline(connection, approval)
    return row


async def _project_validation(connection: AsyncConnection, approval: Approval, created: bool) -> None:
    """The commit that sees an approval validated is the one that validated it: once
    validated, only a withdrawal changes it (any decision is refused)."""
    validated = validated_row(approval)
    if validated is not None:
        await connection.execute(insert(validated_contents), validated)
    elif approval.status == WITHDRAWN and not created:
        await connection.execute(_DELETE_VALIDATED, {"approval_id": approval.id})


def rules_document(rules: ApprovalRules) -> dict[str, Any]:
    return {
        "version": rules.version,
        "kinds": [k.model_dump(mode="json") for k in rules.kinds],
        "thresholds": [t.model_dump(mode="json") for t in rules.thresholds],
        "circuits": [c.model_dump(mode="json") for c in rules.circuits],
        "default_currency": rules.default_currency,
        "compensation_kinds": list(rules.compensation_kinds),
    }


def rules_from_document(document: dict[str, Any]) -> ApprovalRules:
    """The rules a :func:`rules_document` describes."""
    return ApprovalRules(
        version=document["version"],
        kinds=tuple(KindRule.model_validate(k) for k in document["kinds"]),
        thresholds=tuple(CurrencyThreshold.model_validate(t) for t in document["thresholds"]),
        circuits=tuple(StepRule.model_validate(c) for c in document["circuits"]),
        default_currency=document["default_currency"],
        compensation_kinds=tuple(document["compensation_kinds"]),
    )


async def project_rules(connection: AsyncConnection, book: RulesBook, created: bool, now: datetime) -> None:
    assert book.defined_by is not None and book.defined_at is not None
    await connection.execute(
        insert(approval_rules),
        {
            "rules_version": book.current.version,
            "rules": rules_document(book.current),
            "defined_by": book.defined_by,
            "reason": book.reason,
            "defined_at": utc(book.defined_at),
        },
    )


PROJECTORS = Projectors()
PROJECTORS.register(Approval, project_approval)
PROJECTORS.register(RulesBook, project_rules)
PROJECTORS.on_subject_erased(blank_subject)
