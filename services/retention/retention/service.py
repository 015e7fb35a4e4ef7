"""Wiring of the Retention service for the service kit: its definition (adapters are chosen
in ``bootstrap``). Name, context and port come from the service declaration
(events/service/services.toml)."""

from pathlib import Path

from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition
from retention.entrypoints import routes
from retention.entrypoints.consumer import CONSUMED_CONTEXTS, build_consumer
from retention.entrypoints.jobs import run_jobs, stop_jobs

DEFINITION = ServiceDefinition(
    **identity_of("retention"),
    title="Retention",
    routers=(routes.router,),
    migrations=Path(__file__).parent / "adapters" / "migrations",
    consumes=CONSUMED_CONTEXTS,
    consumer_factory=build_consumer,
    background=(run_jobs,),
    on_stop=(stop_jobs,),
)
