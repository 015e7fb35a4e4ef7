"""Audit log tables: the Merkle tree's tiles, which event each leaf is, signed checkpoints.

Revision ID: 0002_audit_log
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_audit_log"
down_revision = "0001_platform"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_leaf_tiles",
        sa.Column("tile_index", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("event_ids", sa.LargeBinary(), nullable=False),
        sa.Column("positions", sa.LargeBinary(), nullable=False),
        sa.Column("min_position", sa.BigInteger(), nullable=False),
        sa.Column("max_position", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_audit_leaf_tiles_positions", "audit_leaf_tiles", ["min_position", "max_position"])
    op.create_table(
        "audit_tiles",
        sa.Column("level", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("tile_index", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("hashes", sa.LargeBinary(), nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("size", sa.BigInteger(), primary_key=True, autoincrement=False),
        sa.Column("root", sa.LargeBinary(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
    )
