"""Wiring of the Documents service for the service kit (adapters are chosen in ``bootstrap``).

Name, context and port come from the service declaration (events/service/services.toml).
It consumes approvals' decisions to keep its own view of the validations in force."""

from pathlib import Path

from documents.entrypoints import documents, templates
from documents.entrypoints.consumer import make_consumer
from events.consumer import Consumer
from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition, ServiceRuntime


def build_consumer(runtime: ServiceRuntime) -> Consumer:
    return make_consumer(runtime.engine)


DEFINITION = ServiceDefinition(
    **identity_of("documents"),
    title="Documents",
    routers=(documents.router, templates.router),
    migrations=Path(__file__).parent / "adapters" / "migrations",
    consumes=("approvals",),
    consumer_factory=build_consumer,
)
