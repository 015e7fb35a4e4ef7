"""SQL helpers for services' adapters: column types, read-only connections, dialect-neutral
upserts. Both PostgreSQL and SQLite (the embedded default) support everything here."""

from events.db import is_postgres, reading
from events.sqlutil import insert_if_absent, upsert
from events.tables import Json, Position

__all__ = ["Json", "Position", "insert_if_absent", "is_postgres", "reading", "upsert"]
