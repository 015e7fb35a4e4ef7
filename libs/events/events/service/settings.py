"""Settings from the environment (``GUICHET_*``), with the embedded default when nothing is set.

Embedded default: SQLite files under ``GUICHET_DATA_DIR`` and the in-process bus. Setting
``GUICHET_DATABASE_URL`` (PostgreSQL) and ``GUICHET_KAFKA_BOOTSTRAP`` switches to the
production parts.

Verification keys are checked at start-up, each refusal a one-line reason: the development
secret only on the embedded default listening on loopback; HMAC secrets of at least 32 bytes
(RFC 7518 §3.2) and never a public key; a public key only with an asymmetric algorithm.
The survey secret (``GUICHET_SURVEY_SECRET``, signing satisfaction-survey links) follows
the same rules for a shared secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from pathlib import Path
from typing import Literal

import jwt
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_der_public_key
from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from events.audit.note import MalformedNote, Signer, Verifier

DEV_JWT_SECRET = "guichet-development-secret-not-for-production"
HMAC_ALGORITHMS = frozenset({"HS256"})
MIN_HMAC_SECRET_BYTES = 32
_PUBLIC_KEY_MARKERS = ("-----BEGIN", "ssh-rsa ", "ssh-ed25519 ", "ecdsa-sha2-", "ssh-dss ")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def looks_like_a_public_key(value: str) -> bool:
    """PEM or OpenSSH text, or the bare base64 of a DER public key."""
    text = value.strip()
    if text.startswith(_PUBLIC_KEY_MARKERS):
        return True
    try:
        load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (binascii.Error, ValueError, UnsupportedAlgorithm):
        return False
    return True


class StartupRefused(SystemExit):
    """Settings a service must not start with: the process ends with one line, no traceback."""


def refusal(service: str, error: ValidationError) -> StartupRefused:
    """One line naming every refused setting (never its value: secrets stay out of logs)."""
    reasons = []
    for item in error.errors():
        reason = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"])
        reasons.append(f"GUICHET_{where.upper()}: {reason}" if where else reason)
    return StartupRefused(f"{service} refused to start: {'; '.join(reasons)}")


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore", hide_input_in_errors=True)

    service: str = "guichet"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    data_dir: Path = Path("data")
    database_url: str | None = None
    #: The tables' owner, for migrations only: the service then runs as a role that may only
    #: insert and select events (``events.service.db_roles``).
    migration_database_url: str | None = None
    kafka_bootstrap: str | None = None
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    jwt_algorithm: Literal["HS256", "RS256", "ES256", "EdDSA"] = "HS256"
    jwt_audience: str = "guichet"
    jwt_issuer: str = "guichet"
    #: Signs satisfaction-survey tokens (``events.service.survey``); derived from the JWT
    #: secret when unset, none with a public key only.
    survey_secret: str | None = None
    log_level: str = "INFO"
    log_json: bool = True
    otel_exporter: Literal["none", "console", "otlp"] = "none"
    otel_endpoint: str | None = None
    relay_poll_interval: float = Field(default=0.05, gt=0)
    max_body_bytes: int = Field(default=1_000_000, gt=0)
    #: Seconds a client may take to send a request's line and headers, then its body (408),
    #: and to start its next request on a kept-alive connection.
    header_timeout: float = Field(default=10.0, gt=0)
    body_timeout: float = Field(default=30.0, gt=0)
    keep_alive_timeout: float = Field(default=5.0, gt=0)
    #: PostgreSQL connections kept per process (as many more are opened under load). Requests
    #: beyond the pool wait in its queue, where a new request can take a connection before one
    #: already waiting: keep it at least the concurrent requests a process serves, or the p99
    #: latency grows several-fold (bench/README.md, intake).
    db_pool_size: int = Field(default=10, ge=1)
    #: The transparency log's signing key (``events.audit.note`` signer key text), or a file
    #: holding it; never stored in the database. The log runs when a key is set, unless
    #: ``audit_enabled`` is false (docs/architecture.md, Verifiable audit).
    audit_key: str | None = None
    audit_key_file: Path | None = None
    audit_enabled: bool | None = None
    audit_every_events: int = Field(default=1000, ge=1)
    audit_every_seconds: float = Field(default=5.0, gt=0)
    audit_poll_interval: float = Field(default=1.0, gt=0)
    audit_verify_seconds: float = Field(default=60.0, gt=0)
    #: Every this many verification passes one re-reads the whole log; the others check what
    #: was signed since the last verified checkpoint.
    audit_verify_full_every: int = Field(default=10, ge=1)
    #: Older leaves each of those passes checks again, a rolling window over the verified log.
    audit_verify_window: int = Field(default=10_000, ge=0)
    #: The other services' log keys by origin (JSON: ``{"guichet/intake": "<verifier key>"}``):
    #: a witness refuses a checkpoint of such a log not signed by that key. A log not named
    #: here is trusted on the key of its first checkpoint seen.
    audit_peer_keys: dict[str, str] = Field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.database_url is None or self.database_url.startswith("sqlite")

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / (self.service + '.db')}"

    @property
    def verification_key(self) -> str:
        return self.jwt_public_key or self.jwt_secret or DEV_JWT_SECRET

    @property
    def survey_key(self) -> bytes | None:
        """The survey tokens' HMAC key: ``survey_secret``, else one derived from the JWT
        secret (never the secret itself), else none."""
        if self.survey_secret:
            return self.survey_secret.encode()
        if self.jwt_public_key:
            return None
        secret = (self.jwt_secret or DEV_JWT_SECRET).encode()
        return hmac.new(secret, b"guichet survey tokens", hashlib.sha256).digest()

    @model_validator(mode="after")
    def _refuse_weak_or_misplaced_keys(self) -> ServiceSettings:
        reason = self._key_refusal() or self._survey_secret_refusal() or self._audit_key_refusal()
        if reason:
            raise ValueError(reason)
        return self

    def _key_refusal(self) -> str | None:
        if not self.embedded and not (self.jwt_secret or self.jwt_public_key):
            return (
                "GUICHET_JWT_SECRET or GUICHET_JWT_PUBLIC_KEY must be set outside the embedded "
                "default (the development secret is only accepted with SQLite)"
            )
        if self.verification_key == DEV_JWT_SECRET:
            if not self.embedded:
                return "the development JWT secret is refused with PostgreSQL"
            if not is_loopback(self.host):
                return (
                    f"the development JWT secret is refused on GUICHET_HOST={self.host} (not "
                    "loopback): set GUICHET_JWT_SECRET or GUICHET_JWT_PUBLIC_KEY"
                )
        if self.jwt_algorithm in HMAC_ALGORITHMS:
            return self._hmac_refusal()
        return self._public_key_refusal()

    def _hmac_refusal(self) -> str | None:
        if self.jwt_public_key:
            return (
                f"GUICHET_JWT_PUBLIC_KEY is refused with GUICHET_JWT_ALGORITHM={self.jwt_algorithm} "
                "(an HMAC algorithm would use the public key as a shared secret): set an "
                "asymmetric algorithm (RS256, ES256, EdDSA)"
            )
        secret = self.jwt_secret
        if secret is None:
            return None
        if looks_like_a_public_key(secret):
            return (
                "GUICHET_JWT_SECRET holds a public key: give it as GUICHET_JWT_PUBLIC_KEY with an "
                "asymmetric GUICHET_JWT_ALGORITHM"
            )
        size = len(secret.encode())
        if size < MIN_HMAC_SECRET_BYTES:
            return (
                f"GUICHET_JWT_SECRET is {size} bytes: {self.jwt_algorithm} needs at least "
                f"{MIN_HMAC_SECRET_BYTES} random bytes"
            )
        return None

    def _survey_secret_refusal(self) -> str | None:
        secret = self.survey_secret
        if secret is None:
            return None
        if secret == DEV_JWT_SECRET:
            return "GUICHET_SURVEY_SECRET is the development JWT secret: set random bytes of its own"
        if looks_like_a_public_key(secret):
            return "GUICHET_SURVEY_SECRET holds a public key: survey tokens need a shared secret"
        size = len(secret.encode())
        if size < MIN_HMAC_SECRET_BYTES:
            return (
                f"GUICHET_SURVEY_SECRET is {size} bytes: survey tokens need at least "
                f"{MIN_HMAC_SECRET_BYTES} random bytes"
            )
        return None

    @property
    def audit_signer(self) -> Signer | None:
        """The log's signing key when the log runs, else None."""
        if self.audit_enabled is False:
            return None
        if self.audit_key:
            return Signer.from_text(self.audit_key)
        if self.audit_key_file:
            return Signer.from_file(self.audit_key_file)
        return None

    def _audit_key_refusal(self) -> str | None:
        if self.audit_enabled and not (self.audit_key or self.audit_key_file):
            return "GUICHET_AUDIT_ENABLED needs GUICHET_AUDIT_KEY or GUICHET_AUDIT_KEY_FILE"
        try:
            self.audit_signer  # noqa: B018 - parsed to refuse a malformed key at start-up
        except MalformedNote:
            # The parser's message may quote the key: never repeated here.
            return "GUICHET_AUDIT_KEY is not an Ed25519 signer key (PRIVATE+KEY+<name>+<id>+<base64>)"
        except OSError as error:
            return f"GUICHET_AUDIT_KEY_FILE cannot be read ({type(error).__name__})"
        try:
            self.audit_peer_verifiers  # noqa: B018 - parsed to refuse a malformed key at start-up
        except MalformedNote:
            return "GUICHET_AUDIT_PEER_KEYS holds a value that is not an Ed25519 verifier key"
        return None

    @property
    def audit_peer_verifiers(self) -> dict[str, Verifier]:
        """:attr:`audit_peer_keys` parsed: origin -> the key its checkpoints must be signed by."""
        return {origin: Verifier.from_text(key) for origin, key in self.audit_peer_keys.items()}

    def _public_key_refusal(self) -> str | None:
        if not self.jwt_public_key:
            return f"GUICHET_JWT_ALGORITHM={self.jwt_algorithm} needs GUICHET_JWT_PUBLIC_KEY (PEM)"
        try:
            jwt.get_algorithm_by_name(self.jwt_algorithm).prepare_key(self.jwt_public_key)
        except (jwt.InvalidKeyError, ValueError, TypeError) as error:
            return f"GUICHET_JWT_PUBLIC_KEY is not a valid {self.jwt_algorithm} key ({type(error).__name__})"
        return None
