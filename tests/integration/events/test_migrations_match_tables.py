"""The schema the Alembic migrations build is the schema the ``Table`` objects describe.

Migrations are frozen DDL (a revision means one schema for ever) while the code queries through
``Table`` metadata: if the two drift apart, an old database and a new one differ, or the code
reads columns the migrations never made. Each database is migrated the way a service does it
(platform line, then the service's own line) on a fresh SQLite file and a fresh PostgreSQL
database, then compared with Alembic's autogenerate; any difference fails the test.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Connection

import intake.service
import sla_clock.service
from events.db import create_engine
from events.migrations import upgrade, upgrade_platform
from events.service.runtime import ServiceDefinition
from events.tables import metadata as platform_metadata
from events.testing.servers import make_database
from intake.adapters.tables import metadata as intake_metadata
from sla_clock.adapters.tables import metadata as sla_clock_metadata

_databases = itertools.count()

# What a service's database holds: the platform tables, then its own (one database per service).
TARGETS: dict[str, tuple[ServiceDefinition | None, list[MetaData]]] = {
    "platform": (None, [platform_metadata]),
    "intake": (intake.service.DEFINITION, [platform_metadata, intake_metadata]),
    "sla-clock": (sla_clock.service.DEFINITION, [platform_metadata, sla_clock_metadata]),
}

# Deliberately in the migrations only, as (kind, table.name or name); nothing else is ignored.
ALWAYS_IGNORED = {
    # Alembic's bookkeeping, one version table per migration line: not application tables.
    ("table", "alembic_version_platform"),
    # events.tables declares no indexes ("the DDL itself lives in the migration"): these two
    # exist for the database only (per-stream version uniqueness, parked-stream lookups), the
    # code never names them.
    ("index", "events.uq_events_stream_version"),
    ("index", "parked_events.ix_parked_events_stream"),
}
POSTGRES_IGNORED = {
    # PostgreSQL-only gap-safety column (xid8 DEFAULT pg_current_xact_id()), filled by the
    # database and read through raw SQL; SQLite has no equivalent, so it is not in the metadata.
    ("column", "events.tx_id"),
    # ...and its index, for the same reason.
    ("index", "events.ix_events_tx_position"),
    # The expression index on the pii marker's subject (events.pii.erasure.marker_subject): its
    # expression differs per dialect, and SQLAlchemy does not reflect expression indexes on
    # SQLite (nothing to compare there); tests/integration/events/test_erasure_count_index.py
    # checks that both planners use it.
    ("index", "events.ix_events_pii_subject"),
}


def _version_table(definition: ServiceDefinition) -> str:
    # Same name as ServiceRuntime._bring_up gives the service's own migration line.
    return f"alembic_version_{definition.name.replace('-', '_')}"


def _key(object_: Any, name: str | None, kind: str) -> tuple[str, str]:
    if kind in ("column", "index", "unique_constraint", "foreign_key_constraint"):
        return kind, f"{object_.table.name}.{name}"
    return kind, str(name)


def _diff(
    connection: Connection,
    metadata: list[MetaData],
    ignored: set[tuple[str, str]],
    seen: set[tuple[str, str]],
) -> list[Any]:
    def include_object(object_: Any, name: str | None, kind: str, reflected: bool, compare_to: Any) -> bool:
        key = _key(object_, name, kind)
        if key in ignored:
            seen.add(key)
            return False
        return True

    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": True,
            "include_object": include_object,
        },
    )
    # alembic compares a list of MetaData, as for target_metadata; its annotation names one.
    differences = compare_metadata(context, metadata)  # type: ignore[arg-type]
    return list(differences) + _predicate_diff(connection, metadata)


def _normalized(predicate: Any) -> str | None:
    # PostgreSQL gives back ``((state)::text = 'armed'::text)`` for ``state = 'armed'``.
    if predicate is None:
        return None
    return re.sub(r"::\w+|[()\s]", "", str(predicate)).lower()


def _predicate_diff(connection: Connection, metadata: list[MetaData]) -> list[Any]:
    """Partial-index predicates, which autogenerate does not compare."""
    dialect = connection.dialect.name
    inspector = inspect(connection)
    differences: list[Any] = []
    for table in (table for each in metadata for table in each.sorted_tables):
        reflected = {
            index["name"]: index.get("dialect_options", {}).get(f"{dialect}_where")
            for index in inspector.get_indexes(table.name)
        }
        for index in table.indexes:
            declared = index.dialect_options[dialect].get("where")
            if index.name in reflected and _normalized(declared) != _normalized(reflected[index.name]):
                differences.append(
                    ("index_predicate", table.name, index.name, str(declared), str(reflected[index.name]))
                )
    return differences


async def _database_url(dialect: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if dialect == "sqlite":
        return f"sqlite:///{tmp_path / 'schema.db'}"
    postgres_url = request.getfixturevalue("postgres_url")
    return await make_database(postgres_url, f"schema_{next(_databases)}_{tmp_path.name[-12:].lower()}")


# SQLAlchemy cannot map the xid8 type of tx_id to one of its own while reflecting events, nor
# reflect an expression index on SQLite.
@pytest.mark.filterwarnings("ignore:Did not recognize type 'xid8'")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
@pytest.mark.parametrize("target", list(TARGETS))
async def test_migrations_build_exactly_the_tables_the_code_declares(
    target: str, dialect: str, request: pytest.FixtureRequest, tmp_path: Path
):
    definition, metadata = TARGETS[target]
    ignored = set(ALWAYS_IGNORED) | (POSTGRES_IGNORED if dialect == "postgres" else set())
    if definition is not None:
        ignored.add(("table", _version_table(definition)))

    engine = create_engine(await _database_url(dialect, request, tmp_path))
    try:
        await upgrade_platform(engine)
        if definition is not None:
            assert definition.migrations is not None
            await upgrade(engine, definition.migrations, _version_table(definition))
        seen: set[tuple[str, str]] = set()
        async with engine.connect() as connection:
            differences = await connection.run_sync(_diff, metadata, ignored, seen)
    finally:
        await engine.dispose()

    assert differences == []
    # Every ignore still matches something: a stale entry would hide a future drift.
    assert seen == ignored
