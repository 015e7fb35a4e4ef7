"""Database engines for both storage modes: PostgreSQL (asyncpg) and the embedded SQLite file."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

_READS_ONLY = "guichet_reads_only"
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def async_url(url: str) -> str:
    """Accept ``postgresql://``, ``postgres://`` or ``sqlite:///`` and pick the async driver."""
    parsed = make_url(url.replace("postgres://", "postgresql://", 1))
    backend = parsed.get_backend_name()
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            make_private_file(Path(parsed.database))
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}")


def make_private_file(path: Path) -> None:
    """The database file, for the service's user only: it holds personal data.

    Missing directories are made 0700 and a missing file 0600 (SQLite gives its ``-wal`` and
    ``-shm`` files the database file's mode); existing files of ours (the database and its
    sidecars) lose any group or other bits. Existing directories are left as they are (they
    may be shared, like /tmp).
    """
    for directory in [parent for parent in reversed(path.parents) if not parent.exists()]:
        directory.mkdir(mode=0o700, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_RDONLY, 0o600))
    for file in (path, *(path.with_name(path.name + suffix) for suffix in _SQLITE_SIDECARS)):
        with contextlib.suppress(FileNotFoundError):
            status = file.stat()
            if status.st_uid == os.getuid() and status.st_mode & 0o077:
                file.chmod(0o600)


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An engine whose JSON goes through orjson, and whose SQLite transactions are immediate.

    SQLite allows one writer: ``BEGIN IMMEDIATE`` takes the write lock at the start of every
    transaction, so two writers queue (``busy_timeout``) instead of failing on lock upgrade,
    and positions are assigned in commit order (which is what makes ``read_all`` gap-safe).
    Connections opened with :func:`reading` begin deferred instead: a WAL snapshot, no lock.
    """
    target = async_url(url)
    if target.startswith("sqlite"):
        engine = create_async_engine(
            target, echo=echo, json_serializer=_json_dumps, json_deserializer=orjson.loads
        )
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        target,
        echo=echo,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=False,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(_READS_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@asynccontextmanager
async def reading(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection for reads only. On SQLite its transaction is a snapshot that does not
    take the single write lock, so readers (relay, consumers, queries, /readyz) never queue
    behind a writer. Its snapshot holds a prefix of ``read_all``'s order: positions are
    assigned in commit order there. Never write through it (a deferred transaction that
    writes can fail with "database is locked"): writers use ``engine.begin()``."""
    async with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            await connection.execution_options(**{_READS_ONLY: True})
        yield connection
