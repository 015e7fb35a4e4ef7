"""The write-side kit for services' adapters: unit of work, event-sourced repository,
projector registry, and the SQL helpers adapters may use. Services import persistence from
here, never from ``events.db``, ``events.sqlutil`` or ``events.tables``."""
