"""Tables of the recorded authorisations and of the step deadlines (created by ``migrations/``).

``habilitations``: one row per habilitation granted, revoked ones kept with their revocation
(a decision reads them in force at its instant). ``substitutions``: one row per substitution
appointed. ``approval_deadlines``: one row per pending approval, its open step's due and
reminder times (None until the deadline worker has computed them), swept by that worker.
Instants are stored in UTC.
"""

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, MetaData, Numeric, String, Table, Text, Uuid

from events.persistence import Json

metadata = MetaData()

habilitations = Table(
    "habilitations",
    metadata,
    Column("habilitation_id", Uuid, primary_key=True),
    Column("person", String(256), nullable=False),
    Column("level", Integer, nullable=False),
    Column("teams", Json, nullable=False),
    Column("kinds", Json, nullable=False),
    Column("ceiling_amount", Numeric(18, 4)),
    Column("ceiling_currency", String(3)),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True)),
    Column("granted_by", String(256), nullable=False),
    Column("reason", Text),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(256)),
    Index("ix_habilitations_person", "person"),
)

substitutions = Table(
    "substitutions",
    metadata,
    Column("substitution_id", Uuid, primary_key=True),
    Column("absent", String(256), nullable=False),
    Column("substitute", String(256), nullable=False),
    Column("valid_from", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("appointed_by", String(256), nullable=False),
    Column("reason", Text),
    Column("appointed_at", DateTime(timezone=True), nullable=False),
    Index("ix_substitutions_substitute", "substitute", "valid_until"),
    Index("ix_substitutions_absent", "absent", "valid_until"),
)

approval_deadlines = Table(
    "approval_deadlines",
    metadata,
    Column("approval_id", Uuid, primary_key=True),
    Column("request_id", Uuid, nullable=False),
    Column("step", Integer, nullable=False),
    Column("level", Integer, nullable=False),
    Column("approvers", Json, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True)),
    Column("remind_at", DateTime(timezone=True)),
    Column("reminded", Boolean, nullable=False),
    Column("escalations", Integer, nullable=False),
    Index("ix_approval_deadlines_due", "due_at"),
    Index("ix_approval_deadlines_remind", "remind_at"),
)

business_calendars = Table(
    "business_calendars",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("calendar", Json, nullable=False),
    Column("defined_at", DateTime(timezone=True), nullable=False),
)
"""The SLA clock's business calendars (``sla_clock.CalendarDefined``), the latest of each name."""

calendar_in_force = Table(
    "calendar_in_force",
    metadata,
    Column("singleton", Integer, primary_key=True),
    Column("name", String(128), nullable=False),
    Column("policy_version", Integer, nullable=False),
)
"""One row: the calendar the SLA policy in force counts on (``sla_clock.SlaPolicyDefined``);
step due times count on it too."""
