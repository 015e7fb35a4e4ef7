"""The key ring of a service, from its settings (``GUICHET_*``).

* ``GUICHET_MASTER_KEY`` (base64 of 32 random bytes) or ``GUICHET_MASTER_KEY_FILE``: required
  with PostgreSQL; on the embedded default, generated once into ``<data dir>/master.key``.
* ``GUICHET_KEYS_DATABASE_URL``: the key database. Default: ``<data dir>/keys.db`` on the
  embedded default (shared by the services of one data directory), the service's own
  database with PostgreSQL. A consumer in another service that needs clear values points it
  at the producer's key database (docs/adr/0007-personal-data-keys-per-subject.md).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.db import create_engine
from events.pii.keyring import Keyring
from events.pii.wrapping import MasterKeyWrapper, load_master_key


class KeySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore", hide_input_in_errors=True)

    master_key: SecretStr | None = None
    master_key_file: Path | None = None
    keys_database_url: str | None = None


def keys_database_url(settings: KeySettings, *, database_url: str, data_dir: Path, embedded: bool) -> str:
    if settings.keys_database_url:
        return settings.keys_database_url
    return f"sqlite:///{data_dir / 'keys.db'}" if embedded else database_url


def keyring_for(*, database_url: str, data_dir: Path, embedded: bool, pool_size: int = 5) -> Keyring:
    """Refuses (:class:`~events.pii.wrapping.MasterKeyRefused`) a weak or missing master key."""
    settings = KeySettings()
    master_key = load_master_key(
        value=settings.master_key.get_secret_value() if settings.master_key else None,
        file=settings.master_key_file,
        data_dir=data_dir,
        embedded=embedded,
    )
    url = keys_database_url(settings, database_url=database_url, data_dir=data_dir, embedded=embedded)
    return Keyring(create_engine(url, pool_size=pool_size), MasterKeyWrapper(master_key))
