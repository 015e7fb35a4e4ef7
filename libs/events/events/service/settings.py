"""Settings from the environment (``GUICHET_*``), with the embedded default when nothing is set.

Embedded default: SQLite files under ``GUICHET_DATA_DIR`` and the in-process bus. Setting
``GUICHET_DATABASE_URL`` (PostgreSQL) and ``GUICHET_KAFKA_BOOTSTRAP`` switches to the
production parts. The development JWT secret is refused outside the embedded default.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "guichet-development-secret-not-for-production"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore")

    service: str = "guichet"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("data")
    database_url: str | None = None
    kafka_bootstrap: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: Literal["HS256", "RS256", "ES256", "EdDSA"] = "HS256"
    jwt_audience: str = "guichet"
    jwt_issuer: str = "guichet"
    log_level: str = "INFO"
    log_json: bool = True
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    relay_poll_interval: float = Field(default=0.05, gt=0)
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    #: PostgreSQL connections kept per process (as many more are opened under load). Requests
    #: beyond the pool wait in its queue, where a new request can take a connection before one
    #: already waiting: keep it at least the concurrent requests a process serves, or the p99
    #: latency grows several-fold (bench/README.md, intake).
    db_pool_size: int = Field(default=10, ge=1)

    @property
    def embedded(self) -> bool:
        return self.database_url is None or self.database_url.startswith("sqlite")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / (self.service + '.db')}"

    @property
    def verification_key(self) -> str:
        return self.jwt_public_key or self.jwt_secret or DEV_JWT_SECRET

    @model_validator(mode="after")
    def _refuse_development_secret_in_production(self) -> ServiceSettings:
        if not self.embedded and not (self.jwt_secret or self.jwt_public_key):
            raise ValueError(
                "GUICHET_JWT_SECRET or GUICHET_JWT_PUBLIC_KEY must be set outside the embedded "
                "default (the development secret is only accepted with SQLite)"
            )
        if self.jwt_secret == DEV_JWT_SECRET and not self.embedded:
            raise ValueError("the development JWT secret is refused with PostgreSQL")
        return self
