"""Alembic migrations run in code: the platform's tables, then each service's own."""

from __future__ import annotations

import asyncio
import weakref
import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

PLATFORM_SCRIPTS = Path(__file__).parent / "platform"
# Alembic's ``context`` is process-global: two services migrating at once in one process
# (the embedded default) would step on each other.
# One lock per event loop: an asyncio.Lock binds to the first loop that waits on it.
_MIGRATION_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _migration_lock() -> asyncio.Lock:
    return _MIGRATION_LOCKS.setdefault(asyncio.get_running_loop(), asyncio.Lock())


def alembic_config(script_location: Path, version_table: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["version_table"] = version_table
    return config


async def upgrade(engine: AsyncEngine, script_location: Path, version_table: str) -> None:
    """Bring one migration line (its own version table) to head on ``engine``."""
    config = alembic_config(script_location, version_table)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with _migration_lock(), engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together on an empty database migrate one after the other.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": zlib.crc32(version_table.encode())}
            )
        await connection.run_sync(run)


async def upgrade_platform(engine: AsyncEngine) -> None:
    await upgrade(engine, PLATFORM_SCRIPTS, "alembic_version_platform")
