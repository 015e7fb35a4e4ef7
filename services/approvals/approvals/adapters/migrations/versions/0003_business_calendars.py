"""The SLA clock's business calendars and the one its policy in force counts on.

Revision ID: 0003_business_calendars
Revises: 0002_authorisations
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0003_business_calendars"
down_revision = "0002_authorisations"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "business_calendars",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("calendar", Json, nullable=False),
        sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "calendar_in_force",
        sa.Column("singleton", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("policy_version", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("calendar_in_force")
    op.drop_table("business_calendars")
