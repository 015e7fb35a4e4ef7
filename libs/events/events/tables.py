"""Platform tables shared by every service database: events, checkpoints, inbox, parking, snapshots.

The DDL itself (append-only triggers, the PostgreSQL ``xid8`` column) lives in the Alembic
migration; these ``Table`` objects are what the code queries and inserts with.
"""

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

metadata = MetaData()
Json = JSON().with_variant(JSONB(), "postgresql")
# SQLite autoincrements only an INTEGER PRIMARY KEY (the rowid), not a BIGINT one.
Position = BigInteger().with_variant(Integer(), "sqlite")

events = Table(
    "events",
    metadata,
    Column("position", Position, primary_key=True, autoincrement=True),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("stream_id", Uuid, nullable=False),
    Column("stream_type", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(128), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("data", Json, nullable=False),
    Column("metadata", Json, nullable=False),
    Column("pii", Json),
    Column("prev_hash", String(64)),
    Column("hash", String(64), nullable=False),
)


def _checkpoint_table(name: str, *keys: str) -> Table:
    """A durable progress marker per ``keys``: the position reached, and when it moved."""
    return Table(
        name,
        metadata,
        *(Column(key, String(128), primary_key=True) for key in keys),
        Column("position", BigInteger, nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )


relay_checkpoints = _checkpoint_table("relay_checkpoints", "name")
consumer_checkpoints = _checkpoint_table("consumer_checkpoints", "consumer", "source")

inbox = Table(
    "inbox",
    metadata,
    Column("consumer", String(128), primary_key=True),
    Column("event_id", Uuid, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)

parked_events = Table(
    "parked_events",
    metadata,
    Column("id", Position, primary_key=True, autoincrement=True),
    Column("consumer", String(128), nullable=False),
    Column("stream_key", String(128), nullable=False),
    Column("event_id", String(64)),
    Column("topic", String(255)),
    Column("message", Json, nullable=False),
    Column("error", Text, nullable=False),
    Column("parked_at", DateTime(timezone=True), nullable=False),
    Column("released_at", DateTime(timezone=True)),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("stream_id", Uuid, primary_key=True),
    Column("version", Integer, nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("state", Json, nullable=False),
)

# The audit log (events.audit.transparency): the Merkle tree's hashes as tiles of 256
# (``level`` 0: the leaf hashes), which events the leaves of each level-0 tile are (16-byte
# ids and 8-byte positions end to end), and the signed checkpoints.
audit_leaf_tiles = Table(
    "audit_leaf_tiles",
    metadata,
    Column("tile_index", BigInteger, primary_key=True, autoincrement=False),
    Column("event_ids", LargeBinary, nullable=False),
    Column("positions", LargeBinary, nullable=False),
    Column("min_position", BigInteger, nullable=False),
    Column("max_position", BigInteger, nullable=False),
    Index("ix_audit_leaf_tiles_positions", "min_position", "max_position"),
)

audit_tiles = Table(
    "audit_tiles",
    metadata,
    Column("level", Integer, primary_key=True, autoincrement=False),
    Column("tile_index", BigInteger, primary_key=True, autoincrement=False),
    Column("hashes", LargeBinary, nullable=False),
)

audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
)

# Data keys per data subject and category (events.pii.keyring): the key wrapped by the master
# key, NULL once destroyed (crypto-shredding); the row stays as the record of the erasure.
subject_keys = Table(
    "subject_keys",
    metadata,
    Column("key_id", String(32), primary_key=True),
    Column("subject", String(128), nullable=False),
    Column("category", String(32), nullable=False),
    Column("wrapped_key", LargeBinary),
    Column("master_key_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("destroyed_at", DateTime(timezone=True)),
    Index("ix_subject_keys_subject", "subject", "category"),
    Index(
        "uq_subject_keys_live",
        "subject",
        "category",
        unique=True,
        postgresql_where=text("destroyed_at IS NULL"),
        sqlite_where=text("destroyed_at IS NULL"),
    ),
)
