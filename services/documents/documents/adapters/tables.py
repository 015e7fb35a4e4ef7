"""SQLAlchemy tables of the documents service (created by ``migrations/``). Instants in UTC."""

from sqlalchemy import Column, DateTime, Index, Integer, LargeBinary, MetaData, String, Table, Text, Uuid

metadata = MetaData()

documents = Table(
    "documents",
    metadata,
    Column("document_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("status", String(32), nullable=False),
    Column("number", String(32), unique=True),
    Column("customer_id", Uuid, nullable=False),
    Column("request_id", Uuid),
    Column("profile", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("template_version", Integer, nullable=False),
    Column("content_hash", String(64)),
    Column("accepted", Integer, nullable=False, default=0),
    Column("drafted_at", DateTime(timezone=True), nullable=False),
    Column("issued_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_documents_request", "request_id"),
    Index("ix_documents_customer", "customer_id"),
)

#: One row per number series (``DEV-2026``): the last number given. Updated in the issuing
#: transaction, so a rollback gives the number back (a sequence would leave a gap).
number_counters = Table(
    "number_counters",
    metadata,
    Column("series", String(32), primary_key=True),
    Column("last", Integer, nullable=False),
)

templates = Table(
    "document_templates",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("language", String(8), primary_key=True),
    Column("profile", String(32), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("source", Text, nullable=False),
    Column("defined_by", String(200), nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)

#: What approvals said about each content hash: one row per (hash, approval).
validations = Table(
    "document_validations",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("approval_id", Uuid, primary_key=True),
    Column("status", String(16), nullable=False),
    Column("level", Integer),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

attachments = Table(
    "document_attachments",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
)

request_teams = Table(
    "request_teams",
    metadata,
    Column("request_id", Uuid, primary_key=True),
    Column("team", String(64), nullable=False),
)
"""The team each request of intake belongs to (``RequestAssigned``, ``RequestTransferred``):
a document is read by its request's team (``events.service.access.ReadScope``)."""
