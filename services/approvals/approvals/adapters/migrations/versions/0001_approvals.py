"""Approvals read models: approvals, validated contents, inbox rows, deciders, rules versions.

Revision ID: 0001_approvals
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_approvals"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("amounts", Json, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("team", sa.String(64)),
        sa.Column("criterion", sa.Text()),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("current_step", sa.Integer()),
        sa.Column("steps", Json, nullable=False),
        sa.Column("decisions", Json, nullable=False),
        sa.Column("validated_by", Json, nullable=False),
        sa.Column("requested_at", Instant, nullable=False),
        sa.Column("updated_at", Instant, nullable=False),
        sa.Column("closed_at", Instant),
    )
    op.create_index("ix_approvals_content", "approvals", ["request_id", "content_hash"])
    op.create_table(
        "validated_contents",
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("rules_version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("validated_by", Json, nullable=False),
        sa.Column("on_behalf_of", Json, nullable=False),
        sa.Column("validated_at", Instant, nullable=False),
    )
    op.create_index("ix_validated_contents_content", "validated_contents", ["request_id", "content_hash"])
    op.create_table(
        "approval_inbox",
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("approver", sa.String(256), primary_key=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("author", sa.String(256), nullable=False),
        sa.Column("team", sa.String(64)),
        sa.Column("requested_at", Instant, nullable=False),
        sa.Column("due_at", Instant),
    )
    op.create_index(
        "ix_approval_inbox_approver", "approval_inbox", ["approver", "requested_at", "approval_id"]
    )
    op.create_index("ix_approval_inbox_level", "approval_inbox", ["level", "requested_at", "approval_id"])
    op.create_table(
        "approval_deciders",
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("person", sa.String(256), primary_key=True),
    )
    op.create_table(
        "approval_rules",
        sa.Column("rules_version", sa.Integer(), primary_key=True),
        sa.Column("rules", Json, nullable=False),
        sa.Column("defined_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("defined_at", Instant, nullable=False),
    )
