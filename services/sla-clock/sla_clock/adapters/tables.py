"""Read-model tables of the SLA clock: per-request facts and durable timers.

``sla_timers`` is unique on ``(request_id, key, threshold, due_at)``: a timer that fired is
never armed again for the same due instant, which (with the state flip committed together
with the emitted event) makes each warning, breach and alert exactly-once across restarts,
redeliveries and replays.
"""

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.types import TypeDecorator

from events.persistence import Json, Position


class UtcInstant(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on both dialects (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime refused: {value!r}")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


metadata = MetaData()
Instant = UtcInstant()

sla_requests = Table(
    "sla_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("reference", String(64)),
    Column("received_at", Instant, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("priority", String(8)),
    Column("profile", String(32)),
    Column("team", String(128)),
    Column("status", String(16), nullable=False),
    Column("first_response_at", Instant),
    Column("first_response_due", Instant),
    Column("resolved_at", Instant),
    Column("resolution_due", Instant),
    Column("closed_at", Instant),
    Column("reopened_count", Integer, nullable=False, default=0),
    Column("escalated", Boolean, nullable=False, default=False),
    Column("first_contact", Boolean),
    Column("interactions", Integer, nullable=False, default=0),
    Column("csat", Float),
    Column("nps", Integer),
    Column("policy_version", Integer),
    Column("calendar", String(64)),
    Column("state", Json, nullable=False),
    Column("updated_at", Instant, nullable=False),
    Index("ix_sla_requests_received", "received_at"),
)

sla_timers = Table(
    "sla_timers",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("request_id", Uuid, nullable=False),
    Column("key", String(80), nullable=False),
    Column("threshold", String(16), nullable=False),
    Column("fire_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("state", String(16), nullable=False),  # armed | fired | cancelled
    Column("explanation", Json, nullable=False),
    Column("armed_at", Instant, nullable=False),
    Column("emitted_at", Instant),
    UniqueConstraint("request_id", "key", "threshold", "due_at", name="uq_sla_timers_identity"),
    # Only armed timers are ever scanned by fire time: the partial index stays small.
    Index(
        "ix_sla_timers_armed",
        "fire_at",
        postgresql_where=text("state = 'armed'"),
        sqlite_where=text("state = 'armed'"),
    ),
)

#: The deadline facts of each data-subject request retention recorded (no personal data).
sla_subject_requests = Table(
    "sla_subject_requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("received_at", Instant, nullable=False),
    Column("first_due_at", Instant, nullable=False),
    Column("due_at", Instant, nullable=False),
    Column("extended_months", Integer, nullable=False),
    Column("completed_at", Instant),
    Column("updated_at", Instant, nullable=False),
)

#: Each request's facts after each consumed event, with the event's recorded time: what the
#: SLA clock knew at any instant (deadlines ``as_of``). Facts only, no personal data.
sla_fact_history = Table(
    "sla_fact_history",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("request_id", Uuid, nullable=False),
    Column("recorded_at", Instant, nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("state", Json, nullable=False),
    Index("ix_sla_fact_history_request", "request_id", "recorded_at"),
)
