"""Recorded authorisations (habilitations, substitutions) and the step deadlines.

Revision ID: 0002_authorisations
Revises: 0001_approvals
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002_authorisations"
down_revision = "0001_approvals"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")
Instant = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "habilitations",
        sa.Column("habilitation_id", sa.Uuid(), primary_key=True),
        sa.Column("person", sa.String(256), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("teams", Json, nullable=False),
        sa.Column("kinds", Json, nullable=False),
        sa.Column("ceiling_amount", sa.Numeric(18, 4)),
        sa.Column("ceiling_currency", sa.String(3)),
        sa.Column("valid_from", Instant, nullable=False),
        sa.Column("valid_until", Instant),
        sa.Column("granted_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("granted_at", Instant, nullable=False),
        sa.Column("revoked_at", Instant),
        sa.Column("revoked_by", sa.String(256)),
    )
    op.create_index("ix_habilitations_person", "habilitations", ["person"])
    op.create_table(
        "substitutions",
        sa.Column("substitution_id", sa.Uuid(), primary_key=True),
        sa.Column("absent", sa.String(256), nullable=False),
        sa.Column("substitute", sa.String(256), nullable=False),
        sa.Column("valid_from", Instant, nullable=False),
        sa.Column("valid_until", Instant, nullable=False),
        sa.Column("appointed_by", sa.String(256), nullable=False),
        sa.Column("reason", sa.Text()),
        sa.Column("appointed_at", Instant, nullable=False),
    )
    op.create_index("ix_substitutions_substitute", "substitutions", ["substitute", "valid_until"])
    op.create_index("ix_substitutions_absent", "substitutions", ["absent", "valid_until"])
    op.create_table(
        "approval_deadlines",
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("approvers", Json, nullable=False),
        sa.Column("opened_at", Instant, nullable=False),
        sa.Column("due_at", Instant),
        sa.Column("remind_at", Instant),
        sa.Column("reminded", sa.Boolean(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
    )
    op.create_index("ix_approval_deadlines_due", "approval_deadlines", ["due_at"])
    op.create_index("ix_approval_deadlines_remind", "approval_deadlines", ["remind_at"])


def downgrade() -> None:
    op.drop_table("approval_deadlines")
    op.drop_table("substitutions")
    op.drop_table("habilitations")
