"""SQLAlchemy tables of approvals' read models (created by ``migrations/``).

``approvals``: one row per approval, its state after each command. ``validated_contents``: the
contents that may leave, one row per ``ResponseValidated`` still in force (a withdrawal removes
it). ``approval_inbox``: what waits for whom, one row per pending step and named approver (or
one row without approver, for anyone of the step's level). ``approval_deciders``: who approved
in an approval's sequence (four eyes: they are not asked again). ``approval_rules``: every
rules version. Instants are stored in UTC.
"""

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, Uuid

from events.persistence import Json

metadata = MetaData()

approvals = Table(
    "approvals",
    metadata,
    Column("approval_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("amounts", Json, nullable=False),
    Column("level", Integer, nullable=False),
    Column("rule", Text, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("author", String(256), nullable=False),
    Column("team", String(64)),
    Column("criterion", Text),
    Column("status", String(32), nullable=False),
    Column("current_step", Integer),
    Column("steps", Json, nullable=False),
    Column("decisions", Json, nullable=False),
    Column("validated_by", Json, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Index("ix_approvals_content", "request_id", "content_hash"),
)

validated_contents = Table(
    "validated_contents",
    metadata,
    Column("approval_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("level", Integer, nullable=False),
    Column("rules_version", Integer, nullable=False),
    Column("author", String(256), nullable=False),
    Column("validated_by", Json, nullable=False),
    Column("on_behalf_of", Json, nullable=False),
    Column("validated_at", DateTime(timezone=True), nullable=False),
    Index("ix_validated_contents_content", "request_id", "content_hash"),
)

approval_inbox = Table(
    "approval_inbox",
    metadata,
    Column("approval_id", Uuid, primary_key=True),
    Column("approver", String(256), primary_key=True),
    Column("step", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("request_id", Uuid, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("author", String(256), nullable=False),
    Column("team", String(64)),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Index("ix_approval_inbox_approver", "approver", "requested_at", "approval_id"),
    Index("ix_approval_inbox_level", "level", "requested_at", "approval_id"),
)
"""``approver`` is ``""`` on the row of a step anyone of ``level`` may decide."""

approval_deciders = Table(
    "approval_deciders",
    metadata,
    Column("approval_id", Uuid, primary_key=True),
    Column("person", String(256), primary_key=True),
)

approval_rules = Table(
    "approval_rules",
    metadata,
    Column("rules_version", Integer, primary_key=True),
    Column("rules", Json, nullable=False),
    Column("defined_by", String(256), nullable=False),
    Column("reason", Text),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)
