"""Shared Alembic environment: runs on the connection handed in by :func:`events.migrations.upgrade`."""

from alembic import context


def run() -> None:
    config = context.config
    context.configure(
        connection=config.attributes["connection"],
        version_table=config.attributes["version_table"],
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
