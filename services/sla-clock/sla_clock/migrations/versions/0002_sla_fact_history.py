"""SLA clock fact history: each request's facts after each consumed event, with its recorded time.

Revision ID: 0002_sla_fact_history
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_sla_fact_history"
down_revision = "0001_sla_clock"
branch_labels = None
depends_on = None

# Frozen copies of ``events.tables.Json`` / ``Position``: this revision must not follow the code.
Json = sa.JSON().with_variant(JSONB(), "postgresql")
Position = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "sla_fact_history",
        sa.Column("id", Position, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_type", sa.String(80), nullable=False),
        sa.Column("state", Json, nullable=False),
    )
    op.create_index("ix_sla_fact_history_request", "sla_fact_history", ["request_id", "recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_sla_fact_history_request", table_name="sla_fact_history")
    op.drop_table("sla_fact_history")
