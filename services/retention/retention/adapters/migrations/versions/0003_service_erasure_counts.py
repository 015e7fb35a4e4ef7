"""What each producer reported blanking: the read-model rows and parked events, beside the events.

Revision ID: 0003_service_erasure_counts
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_service_erasure_counts"
down_revision = "0002_service_erasures"
branch_labels = None
depends_on = None

TABLE = "retention_service_erasures"
COUNTS = ("read_model_rows", "parked_events")


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(TABLE)}
    for name in COUNTS:
        if name not in present:
            op.add_column(TABLE, sa.Column(name, sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        for name in COUNTS:
            table.drop_column(name)
