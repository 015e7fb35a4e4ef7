"""SQLAlchemy tables of intake's read models and bookkeeping (created by `migrations/`).

Instants are stored in UTC (SQLite keeps no offset), so string and timestamp comparisons agree.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from events.persistence import Json

metadata = MetaData()

requests = Table(
    "requests",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("version", Integer, nullable=False),
    Column("status", String(32), nullable=False),
    Column("channel", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("customer_id", Uuid),
    Column("contact", Text),
    Column("subject", Text),
    Column("description", Text),
    Column("category", String(64)),
    Column("profile", String(32)),
    Column("impact", String(16)),
    Column("urgency", String(16)),
    Column("workaround", String(16)),
    Column("priority", String(4)),
    Column("queue_exception", String(32)),
    Column("team", String(64)),
    Column("agent", String(128)),
    Column("transfers", Integer, nullable=False),
    Column("flagged", Boolean, nullable=False),
    Column("missing_fields", Json, nullable=False),
    Column("escalated_to", String(128)),
    Column("escalation_taken_by", String(128)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
    Column("commitments", Json, nullable=False),
    Column("interactions", Integer, nullable=False),
    Column("csat", Integer),
    Column("nps", Integer),
    Index("ix_requests_received", "received_at", "request_id"),
    Index("ix_requests_status_team", "status", "team"),
    Index("ix_requests_customer", "customer_id"),
)

customers = Table(
    "customers",
    metadata,
    Column("customer_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("profile", String(32), nullable=False),
    Column("first_name", Text),
    Column("last_name", Text),
    Column("company", Text),
    Column("email", String(320)),
    Column("phone", String(32)),
    Column("street", Text),
    Column("postal_code", String(16)),
    Column("city", Text),
    Column("country", String(2), nullable=False),
    Column("language", String(8), nullable=False),
    Column("preferred_channel", String(32)),
    Column("contract_refs", Json, nullable=False),
    Column("contract_end", Date),
    Column("prospection_consent", Boolean, nullable=False),
    Column("duplicate_override_reason", Text),
    Column("merged_into", Uuid),
    Column("search_name", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_customers_email", "email"),
    Index("ix_customers_phone", "phone"),
    Index("ix_customers_merged_into", "merged_into"),
)

#: Duplicate-detection blocking: one row per key of `duplicates.block_keys`, unmerged customers only.
customer_block_keys = Table(
    "customer_block_keys",
    metadata,
    Column("block_key", String(400), primary_key=True),
    Column("customer_id", Uuid, primary_key=True),
    Index("ix_customer_block_keys_customer", "customer_id"),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("actor", String(200), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("request_id", Uuid, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

reference_counters = Table(
    "reference_counters",
    metadata,
    Column("year", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

request_approvals = Table(
    "request_approvals",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("position", BigInteger),
    Column("envelope", Json, nullable=False),
    Index("ix_request_approvals_request", "request_id", "recorded_at"),
)
"""The approvals' events of the requests intake knows, one row per event: the envelope as
approvals stored and published it (personal fields sealed: they open with the shared keys, and
read as erased once those are destroyed), and its position in approvals' log, which orders two
recorded at the same instant. The timeline shows them beside the request's own events."""
