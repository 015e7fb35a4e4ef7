"""The write-side kit for services' adapters: unit of work, event-sourced repository,
projector registry, the system clock, and the SQL helpers adapters may use. Services import
persistence from here, never from ``events.db``, ``events.sqlutil`` or ``events.tables``."""

from events.persistence.clock import SystemClock
from events.persistence.projectors import (
    Projector,
    Projectors,
    erased_subject_id,
    erasure_reaches,
    no_projection,
)
from events.persistence.repository import EventSourcedRepository, Tracked
from events.persistence.sql import (
    Json,
    Position,
    insert_if_absent,
    is_postgres,
    postgres_driver,
    reading,
    reading_each,
    upsert,
)
from events.persistence.streams import stream_versions
from events.persistence.unit_of_work import Projected, SqlUnitOfWork

__all__ = [
    "EventSourcedRepository",
    "Json",
    "Position",
    "Projected",
    "Projector",
    "Projectors",
    "SqlUnitOfWork",
    "SystemClock",
    "Tracked",
    "erased_subject_id",
    "erasure_reaches",
    "insert_if_absent",
    "is_postgres",
    "no_projection",
    "postgres_driver",
    "reading",
    "reading_each",
    "stream_versions",
    "upsert",
]
