"""Documents read models: documents, number counters, templates, validations, attachments.

Revision ID: 0001_documents
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_documents"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "documents",
        sa.Column("document_id", sa.Uuid(), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("number", sa.String(32), unique=True),
        sa.Column("customer_id", sa.Uuid(), nullable=False),
        sa.Column("request_id", sa.Uuid()),
        sa.Column("profile", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("template_version", sa.Integer(), nullable=False),
        sa.Column("content_hash", sa.String(64)),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_documents_request", "documents", ["request_id"])
    op.create_index("ix_documents_customer", "documents", ["customer_id"])
    op.create_table(
        "number_counters",
        sa.Column("series", sa.String(32), primary_key=True),
        sa.Column("last", sa.Integer(), nullable=False),
    )
    op.create_table(
        "document_templates",
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("profile", sa.String(32), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("defined_by", sa.String(200), nullable=False),
        sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "document_validations",
        sa.Column("content_hash", sa.String(64), primary_key=True),
        sa.Column("approval_id", sa.Uuid(), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer()),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "document_attachments",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("data", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    for table in ("document_attachments", "document_validations", "document_templates", "number_counters"):
        op.drop_table(table)
    op.drop_index("ix_documents_customer", "documents")
    op.drop_index("ix_documents_request", "documents")
    op.drop_table("documents")
