"""Retention read models: policies, subjects' anchors, consumed events, subject requests,
purges and the archive access log.

Revision ID: 0001_retention
"""

from alembic import op

from retention.adapters.tables import metadata

revision = "0001_retention"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
