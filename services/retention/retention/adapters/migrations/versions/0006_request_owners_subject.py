"""Requests by their owner: a customer's streams (erasure, purge, access export) and the
requests a merge moves are looked up by subject.

Revision ID: 0006_request_owners_subject
"""

import sqlalchemy as sa
from alembic import op

revision = "0006_request_owners_subject"
down_revision = "0005_deadline_marks"
branch_labels = None
depends_on = None

TABLE = "retention_request_owners"
INDEX = "ix_retention_request_owners_subject"


def upgrade() -> None:
    indexes = {index["name"] for index in sa.inspect(op.get_bind()).get_indexes(TABLE)}
    if INDEX not in indexes:
        op.create_index(INDEX, TABLE, ["subject"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name=TABLE)
