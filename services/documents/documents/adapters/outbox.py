"""The email outbox and the requests' facts, in SQL (created by ``migrations/0002``).

A row is ``waiting`` until the mail server accepts it (``sent``: its bytes are then dropped,
personal data kept no longer than needed) or no retry follows (``failed``). Workers claim due
rows with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite has one writer at a time) and hold
each for a lease: a worker that dies mid-send leaves the row due again once the lease passed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    DateTime,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Update,
    Uuid,
    bindparam,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from documents.adapters.tables import metadata
from documents.app.mail import Claimed, Mail, RequestFacts
from documents.domain.relance import Relance
from events.persistence import Json, insert_if_absent, upsert

WAITING, SENT, FAILED = "waiting", "sent", "failed"

mail_outbox = Table(
    "mail_outbox",
    metadata,
    Column("message_id", String(255), primary_key=True),
    Column("purpose", String(16), nullable=False),
    Column("sender", String(320), nullable=False),
    Column("recipients", Json, nullable=False),
    Column("message", LargeBinary),
    Column("request_id", Uuid),
    Column("document_id", Uuid),
    Column("details", Json, nullable=False),
    Column("state", String(16), nullable=False),
    Column("failed_attempts", Integer, nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
)

request_facts = Table(
    "request_facts",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("reference", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("subject", Text),
    Column("customer_id", Uuid),
    Column("email", String(320)),
    Column("language", String(8), nullable=False),
    Column("expected", Text),
)

customer_contacts = Table(
    "customer_contacts",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("email", String(320)),
    Column("language", String(8), nullable=False),
)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _mail_of(row: Any) -> Mail:
    return Mail(
        row.message_id,
        row.purpose,
        row.sender,
        tuple(row.recipients),
        row.message,
        row.request_id,
        row.document_id,
        dict(row.details),
    )


class SqlMailOutbox:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def put(self, mail: Mail, now: datetime) -> None:
        """Once per Message-ID: the same message put again (an event consumed again) is kept once."""
        await insert_if_absent(
            self.connection,
            mail_outbox,
            dict(
                message_id=mail.message_id,
                purpose=mail.purpose,
                sender=mail.sender,
                recipients=list(mail.recipients),
                message=mail.message,
                request_id=mail.request_id,
                document_id=mail.document_id,
                details=mail.details,
                state=WAITING,
                failed_attempts=0,
                due_at=now,
                created_at=now,
            ),
        )

    async def delivered(self, deliveries: Sequence[tuple[str, datetime]]) -> None:
        if deliveries:
            await self.connection.execute(
                _DELIVERED, [{"sent_message_id": message_id, "sent": at} for message_id, at in deliveries]
            )

    async def failed(self, message_id: str, attempt: int, reason: str, retry_at: datetime | None) -> None:
        values: dict[str, Any] = {"failed_attempts": attempt, "last_error": reason}
        if retry_at is None:
            values["state"] = FAILED
        else:
            values["due_at"] = retry_at
        await self.connection.execute(
            update(mail_outbox).where(mail_outbox.c.message_id == message_id).values(**values)
        )

    async def request(self, request_id: UUID) -> RequestFacts | None:
        row = (
            await self.connection.execute(
                select(request_facts).where(request_facts.c.request_id == request_id)
            )
        ).first()
        return facts_of(row) if row else None


def facts_of(row: Any) -> RequestFacts:
    return RequestFacts(
        row.request_id,
        row.reference,
        _utc(row.received_at),
        row.subject,
        row.customer_id,
        row.email,
        row.language,
        row.expected,
    )


_DELIVERED = (
    update(mail_outbox)
    .where(mail_outbox.c.message_id == bindparam("sent_message_id"))
    .values(state=SENT, sent_at=bindparam("sent"), message=None, details={}, last_error=None)
)


def _claim(now: datetime, until: datetime, limit: int) -> Update:
    """One statement: the due rows, oldest first, locked (skipping those another worker holds)
    and leased until ``until``, each returned once with its message."""
    due = (
        select(mail_outbox.c.message_id)
        .where(mail_outbox.c.state == WAITING, mail_outbox.c.due_at <= now)
        .order_by(mail_outbox.c.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (
        update(mail_outbox)
        .where(mail_outbox.c.message_id.in_(due.scalar_subquery()))
        .values(due_at=until)
        .returning(*mail_outbox.c)
    )


class SqlMailQueue:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def claim(self, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
        async with self.engine.begin() as connection:
            rows = (await connection.execute(_claim(now, now + lease, limit))).all()
        oldest_first = sorted(rows, key=lambda row: (_utc(row.created_at), row.message_id))
        return [Claimed(_mail_of(row), row.failed_attempts) for row in oldest_first]

    async def postpone(self, message_ids: Sequence[str], until: datetime) -> None:
        if not message_ids:
            return
        async with self.engine.begin() as connection:
            await connection.execute(
                update(mail_outbox)
                .where(mail_outbox.c.message_id.in_(list(message_ids)), mail_outbox.c.state == WAITING)
                .values(due_at=until)
            )

    async def waiting(self) -> int:
        async with self.engine.connect() as connection:
            count = await connection.scalar(
                select(func.count()).select_from(mail_outbox).where(mail_outbox.c.state == WAITING)
            )
        return int(count or 0)


async def record_customer(
    connection: AsyncConnection, customer_id: UUID, email: str | None, language: str
) -> None:
    await upsert(
        connection,
        customer_contacts,
        {"customer_id": customer_id, "email": email, "language": language},
        ["customer_id"],
    )


async def customer_contact(connection: AsyncConnection, customer_id: UUID) -> tuple[str | None, str] | None:
    row = (
        await connection.execute(
            select(customer_contacts).where(customer_contacts.c.customer_id == customer_id)
        )
    ).first()
    return (row.email, row.language) if row else None


async def record_request(connection: AsyncConnection, facts: RequestFacts) -> None:
    await upsert(
        connection,
        request_facts,
        {
            "request_id": facts.request_id,
            "reference": facts.reference,
            "received_at": facts.received_at,
            "subject": facts.subject,
            "customer_id": facts.customer_id,
            "email": facts.email,
            "language": facts.language,
            "expected": facts.expected,
        },
        ["request_id"],
    )


async def request_of(connection: AsyncConnection, request_id: UUID) -> RequestFacts | None:
    return await SqlMailOutbox(connection).request(request_id)


async def project_relance(
    connection: AsyncConnection, relance: Relance, created: bool, now: datetime
) -> None:
    """No read model: a relance is its ``RelanceSent`` (sla-clock and the KPIs read the event)."""
    return None
