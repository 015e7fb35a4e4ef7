"""Wiring of the Intake service: its definition for the service kit (adapters are chosen in
`bootstrap`). `definition.extra` may carry `rules` (IntakeRules) and `clock` (tests)."""

from pathlib import Path

from events.service.declaration import identity_of
from events.service.runtime import ServiceDefinition
from intake.entrypoints import audit_scope, customers, request_commands, request_reads, surveys
from intake.entrypoints.consumer import build_consumer

DEFINITION = ServiceDefinition(
    **identity_of("intake"),
    title="Intake",
    routers=(
        customers.router,
        request_reads.router,
        request_commands.router,
        surveys.router,
        audit_scope.router,
    ),
    migrations=Path(__file__).parent / "adapters" / "migrations",
    consumes=("retention", "approvals"),
    consumer_factory=build_consumer,
)
