"""SLA clock read model: sla_requests and sla_timers (partial index on armed timers).

Revision ID: 0001_sla_clock
"""

from alembic import op

from sla_clock.adapters.tables import metadata

revision = "0001_sla_clock"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    metadata.create_all(op.get_bind())


def downgrade() -> None:
    metadata.drop_all(op.get_bind())
