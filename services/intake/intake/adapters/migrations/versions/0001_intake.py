"""Intake read models: requests, customers and their duplicate-detection keys, idempotency
keys, per-year reference counters.

Revision ID: 0001_intake
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0001_intake"
down_revision = None
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "customer_block_keys",
        sa.Column("block_key", sa.String(400), primary_key=True),
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
    )
    op.create_index("ix_customer_block_keys_customer", "customer_block_keys", ["customer_id"])
    op.create_table(
        "customers",
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("first_name", sa.Text()),
        sa.Column("last_name", sa.Text()),
        sa.Column("company", sa.Text()),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(32)),
        sa.Column("street", sa.Text()),
        sa.Column("postal_code", sa.String(16)),
        sa.Column("city", sa.Text()),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("preferred_channel", sa.String(32)),
        sa.Column("contract_refs", Json, nullable=False),
        sa.Column("contract_end", sa.Date()),
        sa.Column("prospection_consent", sa.Boolean(), nullable=False),
        sa.Column("duplicate_override_reason", sa.Text()),
        sa.Column("merged_into", sa.Uuid()),
        sa.Column("search_name", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_customers_email", "customers", ["email"])
    op.create_index("ix_customers_merged_into", "customers", ["merged_into"])
    op.create_index("ix_customers_phone", "customers", ["phone"])
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("actor", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "reference_counters",
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "requests",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(32), nullable=False, unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("customer_id", sa.Uuid()),
        sa.Column("contact", sa.Text()),
        sa.Column("subject", sa.Text()),
        sa.Column("description", sa.Text()),
        sa.Column("category", sa.String(64)),
        sa.Column("profile", sa.String(32)),
        sa.Column("impact", sa.String(16)),
        sa.Column("urgency", sa.String(16)),
        sa.Column("workaround", sa.String(16)),
        sa.Column("priority", sa.String(4)),
        sa.Column("queue_exception", sa.String(32)),
        sa.Column("team", sa.String(64)),
        sa.Column("agent", sa.String(128)),
        sa.Column("transfers", sa.Integer(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("missing_fields", Json, nullable=False),
        sa.Column("escalated_to", sa.String(128)),
        sa.Column("escalation_taken_by", sa.String(128)),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True)),
        sa.Column("resolved_at", sa.DateTime(timezone=True)),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.Column("commitments", Json, nullable=False),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.Column("csat", sa.Integer()),
        sa.Column("nps", sa.Integer()),
    )
    op.create_index("ix_requests_status_team", "requests", ["status", "team"])
    op.create_index("ix_requests_received", "requests", ["received_at", "request_id"])
    op.create_index("ix_requests_customer", "requests", ["customer_id"])


def downgrade() -> None:
    for table in ("reference_counters", "idempotency_keys", "customer_block_keys", "customers", "requests"):
        op.drop_table(table)
