"""What each producer reported blanking after an erasure or a purge.

Revision ID: 0002_service_erasures
"""

from alembic import op

from retention.adapters.tables import retention_service_erasures

revision = "0002_service_erasures"
down_revision = "0001_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    retention_service_erasures.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    retention_service_erasures.drop(op.get_bind(), checkfirst=True)
