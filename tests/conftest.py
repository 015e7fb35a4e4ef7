"""Shared pytest fixtures.

Keep this file thin: how servers are found or started lives in
``events.testing.servers`` (env vars -> testcontainers -> deploy/local scripts).
Server fixtures are session-scoped and lazy: a server starts only when a test
asks for it, and stops at the end of the session.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator

import pytest

from events.testing.servers import KafkaServer, PostgresServer, acquire_kafka, acquire_postgres

# Services refuse to start on PostgreSQL without a master key (events.pii.setup): one per session.
os.environ.setdefault("GUICHET_MASTER_KEY", base64.b64encode(secrets.token_bytes(32)).decode())


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """Running PostgreSQL; ``.url`` (postgresql://) and ``.sqlalchemy_url`` (+asyncpg)."""
    with acquire_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """Plain ``postgresql://`` URL of the ``guichet`` database (asyncpg, psql)."""
    return postgres_server.url


@pytest.fixture(scope="session")
def kafka_server() -> Iterator[KafkaServer]:
    """Running single-node Kafka broker; ``.bootstrap`` is ``host:port``."""
    with acquire_kafka() as server:
        yield server


@pytest.fixture(scope="session")
def kafka_bootstrap(kafka_server: KafkaServer) -> str:
    return kafka_server.bootstrap
