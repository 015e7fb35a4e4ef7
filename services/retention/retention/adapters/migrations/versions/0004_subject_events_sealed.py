"""The consumed events' stored payload (personal fields sealed) and marker, for the access
export; an index by stream (another producer's later event finds its subject).

Revision ID: 0004_subject_events_sealed
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

from events.persistence import Json

revision = "0004_subject_events_sealed"
down_revision = "0003_service_erasure_counts"
branch_labels = None
depends_on = None

TABLE = "retention_subject_events"
INDEX = "ix_retention_subject_events_stream"
COLUMNS: dict[str, Any] = {"schema_version": sa.Integer(), "stored": Json, "pii": Json}


def upgrade() -> None:
    present = {column["name"] for column in sa.inspect(op.get_bind()).get_columns(TABLE)}
    for name, type_ in COLUMNS.items():
        if name not in present:
            op.add_column(TABLE, sa.Column(name, type_, nullable=True))
    indexes = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(TABLE)}
    if INDEX not in indexes:
        op.create_index(INDEX, TABLE, ["stream_id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
    with op.batch_alter_table(TABLE) as table:
        for name in COLUMNS:
            table.drop_column(name)
