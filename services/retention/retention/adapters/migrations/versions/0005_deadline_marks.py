"""The SLA clock's warning and breach of each data-subject request's due date, in place of the
request's own flags.

Revision ID: 0005_deadline_marks
"""

import sqlalchemy as sa
from alembic import op

from retention.adapters.tables import retention_deadline_marks

revision = "0005_deadline_marks"
down_revision = "0004_subject_events_sealed"
branch_labels = None
depends_on = None

TABLE = "retention_subject_requests"
FLAGS = ("warned", "overdue")


def upgrade() -> None:
    retention_deadline_marks.create(op.get_bind(), checkfirst=True)
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(TABLE)}
    with op.batch_alter_table(TABLE) as table:
        for name in FLAGS:
            if name in present:
                table.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table(TABLE) as table:
        for name in FLAGS:
            table.add_column(sa.Column(name, sa.Boolean(), nullable=False, server_default=sa.false()))
    retention_deadline_marks.drop(op.get_bind(), checkfirst=True)
