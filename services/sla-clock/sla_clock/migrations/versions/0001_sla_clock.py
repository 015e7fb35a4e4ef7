"""SLA clock read model: sla_requests and sla_timers (partial index on armed timers).

Revision ID: 0001_sla_clock
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_sla_clock"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of ``events.tables.Json`` / ``Position``: this revision must not follow the code.
Json = sa.JSON().with_variant(JSONB(), "postgresql")
# SQLite autoincrements only an INTEGER PRIMARY KEY (the rowid), not a BIGINT one.
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sla_requests",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(64)),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(8)),
        sa.Column("profile", sa.String(32)),
        sa.Column("team", sa.String(128)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True)),
        sa.Column("first_response_due", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("resolution_due", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("reopened_count", sa.Integer(), nullable=False),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("first_contact", sa.Boolean()),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Float()),
        sa.Column("nps", sa.Integer()),
        sa.Column("policy_version", sa.Integer()),
        sa.Column("calendar", sa.String(64)),
        sa.Column("state", Json, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sla_requests_received", "sla_requests", ["received_at"])
    op.create_table(
        "sla_timers",
        sa.Column("id", Position, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("threshold", sa.String(16), nullable=False),
        sa.Column("fire_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("explanation", Json, nullable=False),
        sa.Column("armed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("emitted_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("request_id", "key", "threshold", "due_at", name="uq_sla_timers_identity"),
    )
    # Only armed timers are ever scanned by fire time: the partial index stays small.
    op.create_index(
        "ix_sla_timers_armed",
        "sla_timers",
        ["fire_at"],
        postgresql_where=sa.text("state = 'armed'"),
        sqlite_where=sa.text("state = 'armed'"),
    )


def downgrade() -> None:
    for table in ("sla_timers", "sla_requests"):
        op.drop_table(table)
