"""The approvals' events of each request, for its timeline.

Revision ID: 0002_request_approvals
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_request_approvals"
down_revision = "0001_intake"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "request_approvals",
        sa.Column("event_id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("position", sa.BigInteger()),
        sa.Column("envelope", Json, nullable=False),
    )
    op.create_index("ix_request_approvals_request", "request_approvals", ["request_id", "recorded_at"])


def downgrade() -> None:
    op.drop_table("request_approvals")
