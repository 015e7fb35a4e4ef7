"""Platform tables: events (append-only), relay and consumer checkpoints, inbox, parking, snapshots.

Revision ID: 0001_platform
"""

from alembic import op

from events.tables import metadata

revision = "0001_platform"
down_revision = None
branch_labels = None
depends_on = None

_PG_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION guichet_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'the event log is append-only: % refused on events', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql""",
    "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
    "FOR EACH ROW EXECUTE FUNCTION guichet_events_append_only()",
    "CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION guichet_events_append_only()",
]

_SQLITE_APPEND_ONLY = [
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the event log is append-only: UPDATE refused on events'); END",
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events "
    "BEGIN SELECT RAISE(ABORT, 'the event log is append-only: DELETE refused on events'); END",
]


def upgrade() -> None:
    bind = op.get_bind()
    metadata.create_all(bind)
    op.create_index("uq_events_stream_version", "events", ["stream_id", "version"], unique=True)
    op.create_index("ix_parked_events_stream", "parked_events", ["consumer", "stream_key"])
    if bind.dialect.name == "postgresql":
        op.execute(
            "ALTER TABLE events ADD COLUMN tx_id xid8 NOT NULL DEFAULT pg_current_xact_id()"
        )
        op.create_index("ix_events_tx_position", "events", ["tx_id", "position"])
    statements = _PG_APPEND_ONLY if bind.dialect.name == "postgresql" else _SQLITE_APPEND_ONLY
    for statement in statements:
        op.execute(statement)
