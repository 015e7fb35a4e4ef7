"""Retention's read models: its own aggregates on commit, and the events it consumes.

From intake it keeps, per data subject (a customer id), the anchors of the retention periods
(contract end, last interaction, last call, last closure and open requests, last activity),
and which subject each request belongs to: its customer, or the request itself while its
sender is not identified. A request follows its customer when it becomes known or changes
(``RequestDetailsCompleted``) and when that customer is merged into another
(``CustomerAbsorbed``): its anchors and kept events move with it, so an erasure or a purge of
the customer reaches the keys of the request's stream.
From every producer it keeps the events concerning a customer: their fields without the
personal ones, and the payload as stored, personal fields sealed (retention never holds a
clear copy, so an erasure has nothing to blank here; the access export opens them through the
key ring while the key exists).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from events.catalogue import DomainEvent
from events.catalogue import intake as i
from events.catalogue.retention import ArchiveAccessed, ServiceDataErased
from events.catalogue.sla_clock import SlaBreached, SlaWarning
from events.envelope import Envelope
from events.persistence import Projectors, insert_if_absent, upsert
from retention.adapters.tables import (
    retention_access_log,
    retention_deadline_marks,
    retention_policies,
    retention_purges,
    retention_request_owners,
    retention_service_erasures,
    retention_subject_events,
    retention_subject_requests,
    retention_subjects,
    utc,
)
from retention.domain.holds import LegalHold, PurgeRun
from retention.domain.policies import PolicyBook
from retention.domain.subject_request import BREACH, DEADLINE, WARNING, SubjectRequest

PROJECTORS = Projectors()


async def project_policy(connection: AsyncConnection, book: PolicyBook, created: bool, now: datetime) -> None:
    policy = book.current
    await insert_if_absent(
        connection,
        retention_policies,
        {
            "policy_version": policy.version,
            "periods": [p.model_dump(mode="json") for p in policy.periods],
            "defined_by": book.defined_by or "",
            "reason": None,
            "defined_at": utc(book.defined_at or now),
        },
    )


async def project_request(
    connection: AsyncConnection, request: SubjectRequest, created: bool, now: datetime
) -> None:
    assert request.received_at is not None and request.due_at is not None
    await upsert(
        connection,
        retention_subject_requests,
        {
            "request_id": request.id,
            "version": request.version,
            "kind": request.kind,
            "customer_id": request.customer_id,
            "status": request.status,
            "received_at": utc(request.received_at),
            "due_at": utc(request.due_at),
            "verification": request.verification,
            "extended_months": request.extended_months,
            "exports": request.exports,
            "erased": None if request.erased is None else list(request.erased),
            "kept": [k.model_dump(mode="json") for k in request.kept],
            "actions": list(request.actions),
        },
        ["request_id"],
    )
    if request.erased and request.subject is not None:
        await mark_erased(connection, request.subject, request.erased)


async def project_hold(connection: AsyncConnection, hold: LegalHold, created: bool, now: datetime) -> None:
    assert hold.subject is not None
    await _ensure_subject(connection, hold.subject)
    await connection.execute(
        update(retention_subjects)
        .where(retention_subjects.c.subject == hold.subject)
        .values(on_hold=hold.active, hold_reason=hold.reason)
    )


async def project_purge(connection: AsyncConnection, run: PurgeRun, created: bool, now: datetime) -> None:
    event = run.proof
    if event is None:
        return
    await insert_if_absent(
        connection,
        retention_purges,
        {
            "purge_id": event.purge_id,
            "category": event.category,
            "policy_version": event.policy_version,
            "retained_before": utc(event.retained_before),
            "subjects": event.subjects,
            "events_affected": event.events_affected,
            "key_ids": list(event.key_ids),
            "subjects_on_hold": event.subjects_on_hold,
            "executed_at": utc(event.at),
        },
    )


PROJECTORS.register(PolicyBook, project_policy)
PROJECTORS.register(SubjectRequest, project_request)
PROJECTORS.register(LegalHold, project_hold)
PROJECTORS.register(PurgeRun, project_purge)


async def mark_erased(
    connection: AsyncConnection, subject: str, categories: tuple[str, ...] | list[str]
) -> None:
    await _ensure_subject(connection, subject)
    row = (
        await connection.execute(
            select(retention_subjects.c.erased).where(retention_subjects.c.subject == subject)
        )
    ).one()
    erased = sorted(set(row.erased or ()) | set(categories))
    await connection.execute(
        update(retention_subjects).where(retention_subjects.c.subject == subject).values(erased=erased)
    )


async def _ensure_subject(connection: AsyncConnection, subject: str) -> None:
    await insert_if_absent(
        connection,
        retention_subjects,
        {"subject": subject, "open_requests": 0, "on_hold": False, "erased": []},
    )


def _later(current: datetime | None, candidate: datetime) -> datetime:
    stored, new = utc(current), utc(candidate)
    assert new is not None
    return new if stored is None or new > stored else stored


async def _owner(connection: AsyncConnection, request_id: UUID) -> tuple[str, bool] | None:
    row = (
        await connection.execute(
            select(retention_request_owners.c.subject, retention_request_owners.c.open).where(
                retention_request_owners.c.request_id == request_id
            )
        )
    ).first()
    return None if row is None else (row.subject, row.open)


def _subject_of(envelope: Envelope, event: DomainEvent) -> str | None:
    if isinstance(event, i.CustomerRegistered | i.CustomerUpdated):
        return str(event.customer_id)
    if isinstance(event, i.CustomerAbsorbed):
        return str(event.survivor_id)
    if isinstance(event, i.RequestReceived):
        return str(event.customer_id) if event.customer_id else str(envelope.stream_id)
    return None


async def project_intake(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    """Fold one intake event into its subject's anchors and consumed events."""
    at = envelope.time
    if isinstance(event, i.RequestDetailsCompleted) and event.customer_id is not None:
        await _follow_customer(connection, event.request_id, str(event.customer_id))
    elif isinstance(event, i.CustomerAbsorbed):
        await _absorb(connection, str(event.merged_id), str(event.survivor_id))
    subject = _subject_of(envelope, event)
    request_id: UUID | None = getattr(event, "request_id", None)
    if subject is None and request_id is not None:
        owner = await _owner(connection, request_id)
        subject = owner[0] if owner else None
    if subject is None:
        return
    await _ensure_subject(connection, subject)
    row = (
        await connection.execute(select(retention_subjects).where(retention_subjects.c.subject == subject))
    ).one()
    values: dict[str, Any] = {"last_activity": _later(row.last_activity, at)}
    if isinstance(event, i.CustomerRegistered):
        values["contract_end"] = event.contract_end
        values["last_interaction"] = _later(row.last_interaction, at)
    elif isinstance(event, i.CustomerUpdated):
        contract_end = event.changes.get("contract_end") if isinstance(event.changes, dict) else None
        if isinstance(contract_end, str):
            values["contract_end"] = date.fromisoformat(contract_end)
        values["last_interaction"] = _later(row.last_interaction, at)
    elif isinstance(event, i.RequestReceived):
        values["last_interaction"] = _later(row.last_interaction, event.received_at)
        if event.channel == "phone":
            values["last_call"] = _later(row.last_call, event.received_at)
        if await insert_if_absent(
            connection,
            retention_request_owners,
            {"request_id": event.request_id, "subject": subject, "open": True},
        ):
            values["open_requests"] = row.open_requests + 1
    elif isinstance(event, i.InteractionRecorded):
        if event.direction in ("inbound", "incoming", "in"):
            values["last_interaction"] = _later(row.last_interaction, event.occurred_at)
        if event.channel == "phone":
            values["last_call"] = _later(row.last_call, event.occurred_at)
    elif isinstance(event, i.CustomerReplied):
        values["last_interaction"] = _later(row.last_interaction, at)
    elif isinstance(event, i.RequestClosed | i.RequestReopened) and request_id is not None:
        reopening = isinstance(event, i.RequestReopened)
        owner = await _owner(connection, request_id)
        if owner is not None and owner[1] != reopening:
            await connection.execute(
                update(retention_request_owners)
                .where(retention_request_owners.c.request_id == request_id)
                .values(open=reopening)
            )
            values["open_requests"] = max(0, row.open_requests + (1 if reopening else -1))
        if not reopening:
            values["last_closure"] = _later(row.last_closure, event.at)
    await connection.execute(
        update(retention_subjects).where(retention_subjects.c.subject == subject).values(**values)
    )
    await _keep_event(connection, envelope, event, subject)


async def _follow_customer(connection: AsyncConnection, request_id: UUID, customer: str) -> None:
    """The request now belongs to ``customer``: a request whose sender was not identified (its
    own subject) or one moved to another customer."""
    owner = await _owner(connection, request_id)
    if owner is not None and owner[0] != customer:
        await _move_requests(connection, owner[0], customer, [request_id])


async def _absorb(connection: AsyncConnection, merged: str, survivor: str) -> None:
    """The merged record's requests follow the survivor (the merged record's own events stay
    under its id: an erasure of the merged id still erases them)."""
    owners = retention_request_owners.c
    moved = (await connection.execute(select(owners.request_id).where(owners.subject == merged))).scalars()
    requests = list(moved)
    if requests and merged != survivor:
        await _move_requests(connection, merged, survivor, requests)


async def _move_requests(connection: AsyncConnection, old: str, new: str, requests: list[UUID]) -> None:
    """Move ``requests`` from subject ``old`` to ``new``: their ownership, their open count,
    the events kept under ``old`` from their streams (all of ``old``'s when it is the request
    itself) and, for a request that was its own subject, its anchors (then the subject itself,
    unless held or already erased in part: that record stays)."""
    owners, kept = retention_request_owners.c, retention_subject_events.c
    await _ensure_subject(connection, new)
    opened = (
        await connection.execute(
            select(owners.request_id).where(owners.request_id.in_(requests), owners.open.is_(True))
        )
    ).all()
    await connection.execute(
        update(retention_request_owners).where(owners.request_id.in_(requests)).values(subject=new)
    )
    own_subject = [old] == [str(r) for r in requests]
    events_of = kept.subject == old if own_subject else kept.stream_id.in_(requests)
    await connection.execute(
        update(retention_subject_events).where(kept.subject == old, events_of).values(subject=new)
    )
    rows = {
        row.subject: row
        for row in await connection.execute(
            select(retention_subjects).where(retention_subjects.c.subject.in_([old, new]))
        )
    }
    source, target = rows.get(old), rows[new]
    values: dict[str, Any] = {"open_requests": target.open_requests + len(opened)}
    if source is not None and own_subject:
        for anchor in ("last_interaction", "last_call", "last_closure", "last_activity"):
            if getattr(source, anchor) is not None:
                values[anchor] = _later(getattr(target, anchor), getattr(source, anchor))
    await connection.execute(
        update(retention_subjects).where(retention_subjects.c.subject == new).values(**values)
    )
    if source is None:
        return
    if own_subject and not source.on_hold and not source.erased:
        await connection.execute(delete(retention_subjects).where(retention_subjects.c.subject == old))
    elif opened:
        await connection.execute(
            update(retention_subjects)
            .where(retention_subjects.c.subject == old)
            .values(open_requests=max(0, source.open_requests - len(opened)))
        )


async def _keep_event(
    connection: AsyncConnection, envelope: Envelope, event: DomainEvent, subject: str
) -> None:
    """The consumed event under its subject: its fields without the personal ones, and the
    payload as its producer stored it (personal fields sealed) for the access export."""
    sealed = envelope.pii is not None and envelope.pii.key_id is not None
    await insert_if_absent(
        connection,
        retention_subject_events,
        {
            "event_id": envelope.id,
            "subject": subject,
            "event_type": envelope.type,
            "stream_id": envelope.stream_id,
            "occurred_at": utc(envelope.time),
            "data": {k: v for k, v in event.model_dump(mode="json").items() if k not in event.pii_fields},
            "personal_fields": sorted(event.pii_fields),
            "schema_version": envelope.schema_version,
            "stored": envelope.stored_data if sealed else None,
            "pii": envelope.pii.model_dump(mode="json") if sealed and envelope.pii else None,
        },
    )


async def project_related(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    """Keep another producer's event (documents, approvals, sla-clock) under the data subject it
    concerns: its ``customer_id``, else the owner of its ``request_id``, else the subject of an
    earlier event of the same stream (a document's later steps). An event of no known customer
    (a template, a rules version, a staff habilitation) is not kept."""
    customer_id = getattr(event, "customer_id", None)
    subject = str(customer_id) if customer_id is not None else None
    request_id = getattr(event, "request_id", None)
    if subject is None and isinstance(request_id, UUID):
        owner = await _owner(connection, request_id)
        subject = owner[0] if owner else None
    if subject is None:
        subject = (
            await connection.execute(
                select(retention_subject_events.c.subject)
                .where(retention_subject_events.c.stream_id == envelope.stream_id)
                .limit(1)
            )
        ).scalar()
    if subject is not None:
        await _keep_event(connection, envelope, event, subject)


async def project_access(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    assert isinstance(event, ArchiveAccessed)
    await insert_if_absent(
        connection,
        retention_access_log,
        {
            "event_id": envelope.id,
            "reader": event.reader,
            "roles": list(event.roles),
            "kind": event.kind,
            "customer_id": event.customer_id,
            "resource": event.resource,
            "context": event.context,
            "source": envelope.source,
            "accessed_at": utc(event.at),
        },
    )


async def project_service_erasure(
    envelope: Envelope, event: DomainEvent, connection: AsyncConnection
) -> None:
    """A producer's report of what it blanked: completes the erasure's or purge's proof."""
    assert isinstance(event, ServiceDataErased)
    await insert_if_absent(
        connection,
        retention_service_erasures,
        {
            "cause_id": event.cause_id,
            "service": envelope.source.rsplit("/", 1)[-1],
            "subject": event.subject,
            "events_affected": event.events_affected,
            "read_model_rows": event.read_model_rows,
            "parked_events": event.parked_events,
            "recorded_at": utc(event.at),
        },
    )


INTAKE_EVENTS: tuple[type[DomainEvent], ...] = (
    i.CustomerRegistered,
    i.CustomerUpdated,
    i.CustomerAbsorbed,
    i.RequestReceived,
    i.RequestDetailsCompleted,
    i.RequestAcknowledged,
    i.RequestQualified,
    i.RequestAssigned,
    i.WorkStarted,
    i.InteractionRecorded,
    i.AwaitingCustomer,
    i.CustomerReplied,
    i.RequestEscalated,
    i.RequestResolved,
    i.RequestClosed,
    i.RequestReopened,
    i.SatisfactionRecorded,
)


async def project_sla_mark(envelope: Envelope, event: DomainEvent, connection: AsyncConnection) -> None:
    """The SLA clock warned or breached a data-subject request's due date: kept once per
    threshold and due instant (the request shows the marks of its current due date). Those of
    a customer's request are kept under the customer like the other producers' events."""
    assert isinstance(event, SlaWarning | SlaBreached)
    if event.kind != DEADLINE:
        await project_related(envelope, event, connection)
        return
    await insert_if_absent(
        connection,
        retention_deadline_marks,
        {
            "request_id": event.request_id,
            "threshold": WARNING if isinstance(event, SlaWarning) else BREACH,
            "due_at": utc(event.due_at),
            "emitted_at": utc(event.emitted_at),
        },
    )
