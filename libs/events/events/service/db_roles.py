"""Migrations as the tables' owner, the service as a role that cannot rewrite the event log.

With ``GUICHET_MIGRATION_DATABASE_URL`` set (the owner's URL), the kit runs the migrations
through it and grants the service's role (the user of ``GUICHET_DATABASE_URL``) what it
needs: every table of the schema read and written, but on ``events`` only ``SELECT`` and
``INSERT``. Not the owner, that role can neither update nor delete an event, nor disable or
drop the append-only triggers. Without it (SQLite, development) the service's own URL
migrates, as before.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from events.db import create_engine, is_postgres
from events.migrations import upgrade, upgrade_platform

if TYPE_CHECKING:
    from events.service.runtime import ServiceRuntime


def _quoted(role: str) -> str:
    return '"' + role.replace('"', '""') + '"'


async def grant_service_role(owner: AsyncEngine, role: str) -> None:
    """The service role's rights on the tables the owner's migrations created."""
    if not is_postgres(owner):
        return
    who = _quoted(role)
    async with owner.begin() as connection:
        for statement in (
            f"GRANT USAGE ON SCHEMA public TO {who}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {who}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {who}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, TRIGGER, REFERENCES ON events FROM {who}",
        ):
            await connection.execute(text(statement))


async def run_migrations(runtime: ServiceRuntime) -> None:
    """The platform's and the service's migrations, as the owner when one is configured."""
    url = runtime.settings.migration_database_url
    owner = create_engine(url, pool_size=1) if url else runtime.engine
    try:
        await upgrade_platform(owner)
        if runtime.definition.migrations:
            await upgrade(
                owner,
                runtime.definition.migrations,
                f"alembic_version_{runtime.definition.name.replace('-', '_')}",
            )
        role = runtime.engine.url.username
        if url and role and role != owner.url.username:
            await grant_service_role(owner, role)
    finally:
        if url:
            await owner.dispose()
