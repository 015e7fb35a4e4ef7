"""Wiring of the Documents service for the service kit: the only place adapters are chosen.

Name, context and port come from the service declaration (events/service/services.toml)."""

from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition

DEFINITION = ServiceDefinition(**identity_of("documents"), title="Documents")
