"""The team of each request, for need-to-know reads of its documents.

Revision ID: 0003_request_teams
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_request_teams"
down_revision = "0002_mail_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_teams",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("team", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("request_teams")
