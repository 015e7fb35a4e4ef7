"""The services Guichet runs, read from ``services.toml`` (next to this module, packaged with it).

Each service's ``service.py`` takes its name, context and port from here
(``ServiceDefinition(**identity_of("intake"), ...)``); ``serve`` starts the declared services in
order; :mod:`events.service.deployment` generates the deployment files from the same entries.

``python -m events.service.declaration`` imports every declared service's definition and checks
it against its entry: the image build runs it to prove the code and the declaration shipped.
"""

from __future__ import annotations

import functools
import importlib
import sys
import tomllib
from collections.abc import Sequence
from importlib import resources
from typing import Any, TypedDict

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from events.topics import topic_for

__all__ = [
    "DECLARATION_FILE",
    "DeclarationError",
    "DeclaredSecret",
    "DeclaredService",
    "ServiceIdentity",
    "declared",
    "declared_services",
    "identity_of",
    "parse_declaration",
]

DECLARATION_FILE = "libs/events/events/service/services.toml"
"""Where the declaration lives in the repository (for messages and generated headers)."""


class DeclarationError(ValueError):
    """``services.toml`` is malformed, or a package is not declared."""


class ServiceIdentity(TypedDict):
    """The fields of a ``ServiceDefinition`` that come from the declaration."""

    name: str
    context: str
    default_port: int


class DeclaredSecret(BaseModel):
    """A setting a service alone reads from the ``guichet-secrets`` Secret (``[[service.secrets]]``),
    optional: the service runs without it. ``example`` is the template's placeholder."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    env: str = Field(pattern=r"^GUICHET_[A-Z0-9_]+$")
    example: str
    note: str = ""

    def key(self, service: str) -> str:
        """Its key in the Secret: ``documents-smtp-host`` for ``GUICHET_SMTP_HOST``."""
        return f"{service}-{self.env.removeprefix('GUICHET_').lower().replace('_', '-')}"


class DeclaredService(BaseModel):
    """One ``[[service]]`` entry of ``services.toml``."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    package: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    context: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    port: int = Field(ge=1024, le=65535)
    database: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    replicas: int = Field(default=1, ge=1)
    replicas_note: str = ""
    max_replicas: int | None = Field(default=None, ge=1)
    """A HorizontalPodAutoscaler scales it from ``replicas`` to this many on CPU (stateless
    services only); ``None``: a fixed number of replicas."""
    secrets: tuple[DeclaredSecret, ...] = Field(default=(), strict=False)
    """Settings only this service reads, from the Secret (an SMTP server's, for documents)."""
    egress_ports: tuple[int, ...] = Field(default=(), strict=False)
    """TCP ports its pods reach beyond PostgreSQL, Kafka and the OTLP collector (SMTP's)."""

    @property
    def topic(self) -> str:
        """Its Kafka topic: one per bounded context."""
        return topic_for(self.context)

    @property
    def directory(self) -> str:
        """Its distribution's directory in the repository, holding the package."""
        return f"services/{self.name}"

    def identity(self) -> ServiceIdentity:
        return ServiceIdentity(name=self.name, context=self.context, default_port=self.port)


_UNIQUE = ("name", "package", "context", "port", "database")


def parse_declaration(text: str) -> tuple[DeclaredService, ...]:
    """The services declared by ``text`` (TOML), checked: valid entries, no field shared."""
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeclarationError(f"{DECLARATION_FILE}: {error}") from None
    if set(document) - {"service"}:
        raise DeclarationError(f"{DECLARATION_FILE}: only [[service]] entries belong here")
    services = []
    for position, entry in enumerate(document.get("service", []), start=1):
        try:
            services.append(DeclaredService.model_validate(entry))
        except ValidationError as error:
            raise DeclarationError(f"{DECLARATION_FILE}, service #{position}: {error}") from None
    if not services:
        raise DeclarationError(f"{DECLARATION_FILE} declares no service")
    for field in _UNIQUE:
        _refuse_duplicates(services, field)
    return tuple(services)


def _refuse_duplicates(services: Sequence[DeclaredService], field: str) -> None:
    seen: dict[Any, str] = {}
    for service in services:
        value = getattr(service, field)
        if value in seen:
            raise DeclarationError(
                f"{DECLARATION_FILE}: {seen[value]} and {service.name} share the {field} {value!r}"
            )
        seen[value] = service.name


@functools.cache
def declared_services() -> tuple[DeclaredService, ...]:
    """Every declared service, in declaration (start) order."""
    text = resources.files("events.service").joinpath("services.toml").read_text(encoding="utf-8")
    return parse_declaration(text)


def declared(package: str) -> DeclaredService:
    """The declaration of the service whose Python package is ``package``."""
    for service in declared_services():
        if service.package == package:
            return service
    raise DeclarationError(f"package {package!r} is not declared in {DECLARATION_FILE}")


def identity_of(package: str) -> ServiceIdentity:
    """Name, context and default port of ``package``'s service, for its ``ServiceDefinition``."""
    return declared(package).identity()


def main() -> int:
    """Import each declared service's definition; exit 1 naming any that disagrees."""
    failures = []
    for service in declared_services():
        definition = importlib.import_module(f"{service.package}.service").DEFINITION
        actual = ServiceIdentity(
            name=definition.name, context=definition.context, default_port=definition.default_port
        )
        if actual != service.identity():
            failures.append(
                f"{service.package}.service.DEFINITION is {actual}, declared {service.identity()}"
            )
        print(f"{service.name:<10} python -m {service.package:<10} port {service.port}")
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
