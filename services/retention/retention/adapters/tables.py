"""SQLAlchemy tables of retention's read models (created by ``migrations/``).

``retention_policies``: every policy version. ``retention_subjects``: each data subject's
anchors (from intake's events), legal hold and erased categories. ``retention_request_owners``:
which subject an intake request belongs to, and whether it is open. ``retention_subject_events``:
the events consumed per subject from every producer: ``data`` without the personal fields,
``stored`` the payload as its producer stored it (personal fields sealed, opened only through
the key ring while the key exists; erasure needs nothing blanked here), ``pii`` its marker.
``retention_subject_requests``: data-subject requests. ``retention_purges``: every purge's
proof. ``retention_access_log``: every ``ArchiveAccessed``, from every context.
Instants are stored in UTC.
"""

from datetime import UTC, datetime

from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid

from events.persistence import Json

metadata = MetaData()
Instant = DateTime(timezone=True)

retention_policies = Table(
    "retention_policies",
    metadata,
    Column("policy_version", Integer, primary_key=True),
    Column("periods", Json, nullable=False),
    Column("defined_by", String(256), nullable=False),
    Column("reason", Text),
    Column("defined_at", Instant, nullable=False),
)

retention_subjects = Table(
    "retention_subjects",
    metadata,
    Column("subject", String(64), primary_key=True),
    Column("contract_end", Date),
    Column("last_interaction", Instant),
    Column("last_call", Instant),
    Column("last_closure", Instant),
    Column("last_activity", Instant),
    Column("open_requests", Integer, nullable=False, default=0),
    Column("on_hold", Boolean, nullable=False, default=False),
    Column("hold_reason", Text),
    Column("erased", Json, nullable=False),
)

retention_request_owners = Table(
    "retention_request_owners",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("open", Boolean, nullable=False),
    Index("ix_retention_request_owners_subject", "subject"),
)

retention_subject_events = Table(
    "retention_subject_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("subject", String(64), nullable=False),
    Column("event_type", String(128), nullable=False),
    Column("stream_id", Uuid, nullable=False),
    Column("occurred_at", Instant, nullable=False),
    Column("data", Json, nullable=False),
    Column("personal_fields", Json, nullable=False),
    Column("schema_version", Integer),
    Column("stored", Json),
    Column("pii", Json),
    Index("ix_retention_subject_events_subject", "subject", "occurred_at"),
    Index("ix_retention_subject_events_stream", "stream_id"),
)

retention_subject_requests = Table(
    "retention_subject_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("customer_id", Uuid),
    Column("status", String(16), nullable=False),
    Column("received_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("verification", Text),
    Column("extended_months", Integer, nullable=False),
    Column("exports", Integer, nullable=False),
    Column("erased", Json),
    Column("kept", Json, nullable=False),
    Column("actions", Json, nullable=False),
    Index("ix_retention_subject_requests_due", "status", "due_at"),
)

retention_deadline_marks = Table(
    "retention_deadline_marks",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("threshold", String(16), primary_key=True),
    Column("due_at", Instant, primary_key=True),
    Column("emitted_at", Instant, nullable=False),
)
"""The SLA clock's warning and breach of each data-subject request's due date (``SlaWarning``
/ ``SlaBreached`` of kind ``data_subject_request``), once each per due instant."""

retention_purges = Table(
    "retention_purges",
    metadata,
    Column("purge_id", Uuid, primary_key=True),
    Column("category", String(32), nullable=False),
    Column("policy_version", Integer, nullable=False),
    Column("retained_before", Instant, nullable=False),
    Column("subjects", Integer, nullable=False),
    Column("events_affected", Integer, nullable=False),
    Column("key_ids", Json, nullable=False),
    Column("subjects_on_hold", Integer, nullable=False),
    Column("executed_at", Instant, nullable=False),
)

retention_service_erasures = Table(
    "retention_service_erasures",
    metadata,
    Column("cause_id", Uuid, primary_key=True),
    Column("service", String(64), primary_key=True),
    Column("subject", String(64), primary_key=True),
    Column("events_affected", Integer, nullable=False),
    Column("read_model_rows", Integer, nullable=False, server_default="0"),
    Column("parked_events", Integer, nullable=False, server_default="0"),
    Column("recorded_at", Instant, nullable=False),
)
"""What each producer reported blanking (its ``<context>.SubjectDataErased``): per erasure
request or purge (``cause_id``), service and subject, the count of that service's events made
unreadable, of its read-model rows blanked and of its parked events blanked."""

retention_access_log = Table(
    "retention_access_log",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("reader", String(256), nullable=False),
    Column("roles", Json, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("customer_id", Uuid),
    Column("resource", String(256), nullable=False),
    Column("context", String(256), nullable=False),
    Column("source", String(64), nullable=False),
    Column("accessed_at", Instant, nullable=False),
    Index("ix_retention_access_log_customer", "customer_id", "accessed_at"),
    Index("ix_retention_access_log_reader", "reader", "accessed_at"),
)


def utc(value: datetime | None) -> datetime | None:
    """An instant as stored (UTC) and as read back (SQLite returns it without its zone)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
