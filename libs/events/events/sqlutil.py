"""Small dialect-neutral SQL helpers (PostgreSQL and SQLite both speak ON CONFLICT)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


def _insert(connection: AsyncConnection, table: Table) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def upsert(connection: AsyncConnection, table: Table, values: dict[str, Any], keys: list[str]) -> None:
    statement = _insert(connection, table).values(**values)
    updates = {name: value for name, value in values.items() if name not in keys}
    await connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=updates))


async def insert_if_absent(connection: AsyncConnection, table: Table, values: dict[str, Any]) -> bool:
    """Insert unless a row with the same key exists; True when this call inserted it."""
    result = await connection.execute(_insert(connection, table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1


async def insert_absent(
    connection: AsyncConnection, table: Table, rows: list[dict[str, Any]], returning: str
) -> set[Any]:
    """Insert the rows whose key is not taken yet (one statement); returns the ``returning``
    column of those this call inserted. A concurrent inserter's uncommitted row makes this
    wait for its commit, then counts as taken."""
    if not rows:
        return set()
    statement = _insert(connection, table).values(rows).on_conflict_do_nothing()
    result = await connection.execute(statement.returning(table.c[returning]))
    return {row[0] for row in result}
