"""Data keys per data subject and category (crypto-shredding of personal data).

Revision ID: 0003_subject_keys
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_subject_keys"
down_revision = "0002_audit_log"
branch_labels = None
depends_on = None

_LIVE = sa.text("destroyed_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "subject_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary()),
        sa.Column("master_key_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_subject_keys_subject", "subject_keys", ["subject", "category"])
    # One live key per subject and category; destroyed ones stay as records.
    op.create_index(
        "uq_subject_keys_live",
        "subject_keys",
        ["subject", "category"],
        unique=True,
        postgresql_where=_LIVE,
        sqlite_where=_LIVE,
    )
