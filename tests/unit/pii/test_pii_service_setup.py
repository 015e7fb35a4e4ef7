"""A service's key ring from its settings: refused without a master key on PostgreSQL,
generated and kept in the data directory on the embedded default."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from events.pii.protector import EncryptedPayloads
from events.service.runtime import ServiceDefinition, ServiceRuntime
from events.service.settings import ServiceSettings, StartupRefused

DEFINITION = ServiceDefinition(name="kit", context="kit", default_port=8999, title="Kit")


def test_a_service_on_postgresql_without_a_master_key_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUICHET_MASTER_KEY", raising=False)
    monkeypatch.delenv("GUICHET_MASTER_KEY_FILE", raising=False)
    settings = ServiceSettings(data_dir=tmp_path, database_url="postgresql://h/db", jwt_secret="s" * 40)
    with pytest.raises(StartupRefused, match="kit refused to start: GUICHET_MASTER_KEY"):
        ServiceRuntime(DEFINITION, settings, None)


def test_a_weak_master_key_is_refused_even_on_the_embedded_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GUICHET_MASTER_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
    with pytest.raises(StartupRefused, match="not random"):
        ServiceRuntime(DEFINITION, ServiceSettings(data_dir=tmp_path), None)


def test_the_embedded_default_keeps_its_keys_beside_the_services_databases(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GUICHET_MASTER_KEY", raising=False)
    runtime = ServiceRuntime(DEFINITION, ServiceSettings(data_dir=tmp_path), None)
    try:
        assert isinstance(runtime.store.protector, EncryptedPayloads)
        assert runtime.keyring.engine.url.database == str(tmp_path / "keys.db")
        assert (tmp_path / "master.key").exists()
    finally:
        asyncio.run(runtime.keyring.engine.dispose())
        asyncio.run(runtime.engine.dispose())
