"""The email outbox, and the facts of intake's requests and customers documents writes with.

Revision ID: 0002_mail_outbox
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

revision = "0002_mail_outbox"
down_revision = "0001_documents"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mail_outbox",
        sa.Column("message_id", sa.String(255), primary_key=True),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("sender", sa.String(320), nullable=False),
        sa.Column("recipients", JSON, nullable=False),
        sa.Column("message", sa.LargeBinary()),
        sa.Column("request_id", sa.Uuid()),
        sa.Column("document_id", sa.Uuid()),
        sa.Column("details", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True)),
    )
    op.create_index("mail_outbox_due", "mail_outbox", ["state", "due_at"])
    op.create_table(
        "request_facts",
        sa.Column("request_id", sa.Uuid(), primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("subject", sa.Text()),
        sa.Column("customer_id", sa.Uuid()),
        sa.Column("email", sa.String(320)),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("expected", sa.Text()),
    )
    op.create_table(
        "customer_contacts",
        sa.Column("customer_id", sa.Uuid(), primary_key=True),
        sa.Column("email", sa.String(320)),
        sa.Column("language", sa.String(8), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("customer_contacts")
    op.drop_table("request_facts")
    op.drop_index("mail_outbox_due", "mail_outbox")
    op.drop_table("mail_outbox")
