"""Event store port and its SQL adapter (PostgreSQL in production, SQLite embedded)."""

from events.store.errors import ConcurrencyError, StreamNotFound
from events.store.sql import SqlEventStore, Transaction

__all__ = ["ConcurrencyError", "SqlEventStore", "StreamNotFound", "Transaction"]
