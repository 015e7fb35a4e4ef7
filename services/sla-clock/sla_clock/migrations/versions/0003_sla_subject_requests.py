"""SLA clock: the deadline facts of data-subject requests (retention's one-month clock).

Revision ID: 0003_sla_subject_requests
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_sla_subject_requests"
down_revision = "0002_sla_fact_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sla_subject_requests",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("extended_months", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sla_subject_requests")
